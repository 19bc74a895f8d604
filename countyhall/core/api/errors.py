from __future__ import annotations

from django.http import JsonResponse
from django.views.defaults import page_not_found
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError


def structured_exception_handler(exc, context):
    """Every API error has one shape: {"error": {"field": ..., "message": ...}}."""
    if isinstance(exc, AccessDenied):
        return Response(exc.as_dict(), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ServiceError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    field = "(request)"
    if isinstance(detail, dict) and "detail" not in detail and detail:
        field = next(iter(detail))
        detail = detail[field]
    if isinstance(detail, list) and detail:
        detail = detail[0]
    if isinstance(detail, dict) and "detail" in detail:
        detail = detail["detail"]
    response.data = {"error": {"field": str(field), "message": str(detail)}}
    return response


def not_found(request, exception=None):
    """Django's 404 (no URL pattern matched, e.g. /api/v1/people/abc): JSON in the one error shape under /api/,
    the usual page elsewhere. API clients and the OpenAPI document expect application/json for every answer."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"field": "(path)", "message": f"接口地址不存在：{request.path}（请核对路径中的编号是否为整数）。"}},
            status=status.HTTP_404_NOT_FOUND,
            json_dumps_params={"ensure_ascii": False},
        )
    return page_not_found(request, exception)
