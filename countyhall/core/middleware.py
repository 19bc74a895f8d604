"""Request guards that every page and API answer shares."""

from __future__ import annotations

from countyhall.core.web import bad_request


class RefuseNulBytesMiddleware:
    """Refuse any GET or POST parameter holding a NUL character (U+0000) with 400 naming the field.

    PostgreSQL cannot store or compare NUL in text, so a `?q=%00` reaching a query raised a 500 (the gazette
    search did). No form on the platform has a use for NUL, so it is refused here once for every view,
    before any view or filter sees it, instead of in each query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = self._field_with_nul(request)
        if field is not None:
            return bad_request(request, field=field, message="含有不允许的空字符（NUL），请删除后重新提交。")
        return self.get_response(request)

    @staticmethod
    def _field_with_nul(request) -> str | None:
        sources = [request.GET]
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded", "multipart/form-data",
        ):
            sources.append(request.POST)
        for params in sources:
            for key, values in params.lists():
                if "\x00" in key:
                    return key.replace("\x00", "\\0")
                if any("\x00" in value for value in values):
                    return key
        return None


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
