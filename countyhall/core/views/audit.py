from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from countyhall.core.models import AuditEntry
from countyhall.core.reports import excel_response
from countyhall.core.roles import Capability
from countyhall.core.selectors.audit import audit_list_for_user


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


@login_required
def audit_list(request):
    if not request.user.can(Capability.AUDIT_VIEW):
        raise PermissionDenied("只有审计员可以查阅审计日志。")
    filters = {
        "action": request.GET.get("action", ""),
        "object_type": request.GET.get("object_type", ""),
        "actor": request.GET.get("actor", ""),
        "date_from": _date(request.GET.get("date_from", "")),
        "date_to": _date(request.GET.get("date_to", "")),
    }
    entries = audit_list_for_user(request.user, **filters)
    if request.GET.get("format") == "xlsx":
        return excel_response(
            filename="审计日志.xlsx", sheet_title="审计日志",
            headers=["时间", "操作人", "操作", "对象类型", "对象编号", "对象", "说明", "修改前", "修改后"],
            rows=([e.at, e.actor_label, e.get_action_display(), e.object_type, e.object_id, e.object_repr, e.note,
                   e.before, e.after] for e in entries.iterator()),
        )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    object_types = AuditEntry.objects.order_by().values_list("object_type", flat=True).distinct()
    return render(request, "core/audit_list.html", {"page": page, "filters": request.GET,
                                                    "actions": AuditEntry.Action.choices,
                                                    "object_types": sorted(set(object_types))})
