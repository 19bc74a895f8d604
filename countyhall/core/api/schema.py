"""OpenAPI post-processing: every operation documents the structured error answers it can give.

Every API error has one shape, {"error": {"field", "message"}} (core/api/errors.py), whatever the view:
DRF answers 401/403 before a view runs (authentication, permissions, AccessDenied), 400 for a parse error
or a ServiceError, 404 for an object outside the caller's scope. Views rarely declare these, so clients and
the fuzz tests (tests/api/test_fuzz.py) would see undocumented answers; this hook adds them where missing.
"""

from __future__ import annotations

ERROR_COMPONENT = "Error"
ERROR_SCHEMAS = {
    "ErrorDetail": {
        "type": "object",
        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
        "required": ["field", "message"],
    },
    ERROR_COMPONENT: {
        "type": "object",
        "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}},
        "required": ["error"],
    },
}
# Codes every operation can answer, with what they mean here.
COMMON_ERRORS = {
    "400": "输入有误：error.field 指出字段，error.message 说明原因",
    "401": "未登录或令牌无效",
    "403": "无权进行此操作",
    "404": "对象不存在或不在您的数据范围内",
}
# Codes an operation only answers when it says so (a conflict, a rule refusing a state change); a view
# that declares one without a body gets the error shape.
DECLARED_ONLY = {"409": "与现有数据冲突", "422": "无法按当前状态处理"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}},
    }


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in ERROR_SCHEMAS.items():
        schemas.setdefault(name, schema)
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in COMMON_ERRORS.items():
                responses.setdefault(code, _error_response(description))
                # A view's own declaration (extend_schema 404: ErrorSerializer) comes without a description.
                responses[code]["description"] = responses[code].get("description") or description
            for code, description in DECLARED_ONLY.items():
                if code in responses and "content" not in responses[code]:
                    responses[code] = {
                        **_error_response(description),
                        **responses[code],
                        "content": _error_response(description)["content"],
                    }
    return result
