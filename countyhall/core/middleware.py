"""Request guards that every page and API answer shares."""

from __future__ import annotations

import json

from countyhall.core.web import bad_request


class RefuseNulBytesMiddleware:
    """Refuse any GET or POST parameter (or JSON field sent to the API) holding a NUL character (U+0000) with
    400 naming the field.

    PostgreSQL cannot store or compare NUL in text, so a `?q=%00` reaching a query raised a 500 (the gazette
    search did). No form on the platform has a use for NUL, so it is refused here once for every view,
    before any view or filter sees it, instead of in each query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            # A path part reaches a query too (/gazette/u/<uri>/, /gazette/people/<name>/): a 500 on PostgreSQL.
            return bad_request(request, field="path", message="地址含有不允许的空字符（NUL），请检查链接。")
        field = self._field_with_nul(request)
        if field is not None:
            return bad_request(request, field=field, message="含有不允许的空字符（NUL），请删除后重新提交。")
        return self.get_response(request)

    @classmethod
    def _field_with_nul(cls, request) -> str | None:
        if request.content_type == "application/json" and request.method in ("POST", "PUT", "PATCH"):
            found = cls._json_field_with_nul(request.body)
            if found is not None:
                return found
        sources = [request.GET]
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            sources.append(request.POST)
        for params in sources:
            for key, values in params.lists():
                if "\x00" in key:
                    return key.replace("\x00", "\\0")
                if any("\x00" in value for value in values):
                    return key
        return None

    @staticmethod
    def _json_field_with_nul(body: bytes) -> str | None:
        """The dotted key of the first JSON string (or key) holding NUL; None when there is none or the body
        is not JSON (the API's parser then answers that)."""
        if b"\\u0000" not in body and b"\x00" not in body:
            return None
        try:
            data = json.loads(body)
        except ValueError:
            return None

        def walk(value, path: str) -> str | None:
            if isinstance(value, str):
                return (path or "body") if "\x00" in value else None
            if isinstance(value, dict):
                for key, item in value.items():
                    here = f"{path}.{key}" if path else str(key)
                    if "\x00" in str(key):
                        return here.replace("\x00", "\\0")
                    found = walk(item, here)
                    if found:
                        return found
            if isinstance(value, list):
                for index, item in enumerate(value):
                    found = walk(item, f"{path}[{index}]")
                    if found:
                        return found
            return None

        return walk(data, "")


def client_ip(request) -> str | None:
    """The address a login attempt is counted under (django-axes): REMOTE_ADDR, or behind
    COUNTYHALL_PROXY_COUNT trusted proxies the address the outermost of them saw in X-Forwarded-For."""
    from django.conf import settings

    proxies = getattr(settings, "COUNTYHALL_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")


class GovernedPolicyMiddleware:
    """Bring this process's governed policy (approved reading answers and administered figures) up to date before
    each request: one small query, the snapshot reloaded only when another process approved a change."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from countyhall.core.services.policy import governed_refresh

        governed_refresh()
        return self.get_response(request)
