from __future__ import annotations

from django.http import JsonResponse
from django.views.defaults import page_not_found
from rest_framework import status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError


def _first_error(detail, prefix: str = "") -> tuple[str, str]:
    """The first leaf of DRF's nested error detail, with its dotted field ("lunches.0.identifier").

    {"detail": …} (authentication, permission, parse errors) and non-field errors name the request or the
    enclosing field; a list of per-item errors skips the items that had none.
    """
    if isinstance(detail, dict):
        if "detail" in detail and len(detail) == 1:
            return prefix or "(request)", str(detail["detail"])
        for key, value in detail.items():
            if value in ({}, [], None):
                continue
            name = (
                prefix
                if key == api_settings.NON_FIELD_ERRORS_KEY
                else (f"{prefix}.{key}" if prefix else str(key))
            )
            return _first_error(value, name)
        return prefix or "(request)", ""
    if isinstance(detail, list):
        for index, item in enumerate(detail):
            if item in ({}, [], None):
                continue
            if isinstance(item, dict | list):
                return _first_error(item, f"{prefix}.{index}" if prefix else str(index))
            return prefix or "(request)", str(item)
        return prefix or "(request)", ""
    return prefix or "(request)", str(detail)


def structured_exception_handler(exc, context):
    """Every API error has one shape: {"error": {"field": ..., "message": ...}}."""
    if isinstance(exc, AccessDenied):
        return Response(exc.as_dict(), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ServiceError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    response = exception_handler(exc, context)
    if response is None:
        return None
    field, message = _first_error(response.data)
    response.data = {"error": {"field": field, "message": message}}
    return response


def not_found(request, exception=None):
    """Django's 404 (no URL pattern matched, e.g. /api/v1/people/abc): JSON in the one error shape under /api/,
    the usual page elsewhere. API clients and the OpenAPI document expect application/json for every answer."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "error": {
                    "field": "(path)",
                    "message": f"接口地址不存在：{request.path}（请核对路径中的编号是否为整数）。",
                }
            },
            status=status.HTTP_404_NOT_FOUND,
            json_dumps_params={"ensure_ascii": False},
        )
    return page_not_found(request, exception)
