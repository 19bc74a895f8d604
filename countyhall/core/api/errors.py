from __future__ import annotations

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
