"""The permission tables of every registered program, for administrators and auditors to read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from countyhall.core.programs import registered_programs
from countyhall.core.roles import Capability, Role


def can_read_permission_tables(user) -> bool:
    return user.can(Capability.AUDIT_VIEW) or Role.SYSTEM_ADMIN in user.role_codes or user.is_staff


@login_required
def permission_tables(request):
    if not can_read_permission_tables(request.user):
        raise PermissionDenied("只有系统管理员和审计员可以查看权限表。")
    roles = [(code, label) for code, label in Role.choices]
    tables = []
    for program in registered_programs():
        permissions = program.permissions()
        if not permissions:
            continue
        used = [(code, label) for code, label in roles if any(code in p.allowed for p in permissions)]
        tables.append(
            {
                "title": program.title,
                "roles": used,
                "rows": [
                    {"permission": p, "cells": [p.scope_for(code) for code, _ in used]} for p in permissions
                ],
            }
        )
    return render(request, "core/access.html", {"tables": tables})
