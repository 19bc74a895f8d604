from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from countyhall.core.errors import ServiceError
from countyhall.core.models import OutboxMessage
from countyhall.core.params import answers_bad_parameters, choice_param
from countyhall.core.selectors.notices import notice_get_for_user, notices_for
from countyhall.core.services.notices import notice_mark_all_read, notice_mark_read, outbox_retry
from countyhall.core.tables import Column, Table
from countyhall.core.web import bad_request, posted_id

READ_CHOICES = (("unread", "未读"), ("read", "已读"))

NOTICE_COLUMNS = [
    Column("is_read", "状态", value=lambda m: "已读" if m.is_read else "未读", sort="is_read"),
    Column("created_at", "时间", sort="created_at"),
    Column("subject", "标题", sort="subject"),
    Column("body", "内容", default=False),
]


@login_required
@answers_bad_parameters
def notice_list(request):
    """The user's inbox: messages to them or their organisation, unread first."""
    state = choice_param(request, "state", "阅读状态", READ_CHOICES)
    queryset = notices_for(request.user)
    if state:
        queryset = queryset.filter(is_read=state == "read")
    # Unread first, newest first within each (the default when no column is chosen for sorting).
    table = Table(request, queryset.order_by("is_read", "-created_at", "-pk"), columns=NOTICE_COLUMNS)
    if table.export_requested:
        return table.export(filename="我的通知.csv")
    return render(
        request,
        "core/notice_list.html",
        {
            "table": table,
            "state": state,
            "read_choices": READ_CHOICES,
            "unread": notices_for(request.user).filter(is_read=False).count(),
        },
    )


@login_required
def notice_detail(request, pk: int):
    message = notice_get_for_user(request.user, pk)
    if message is None:
        raise Http404("没有这条通知，或它不是发给您（或您所在单位）的。")
    notice_mark_read(user=request.user, message=message)
    return render(request, "core/notice_detail.html", {"notice": message})


@login_required
@require_POST
def notice_read_all(request):
    count = notice_mark_all_read(user=request.user, messages=notices_for(request.user).filter(is_read=False))
    messages.success(request, f"已将 {count} 条通知标为已读。")
    return redirect("core:notices")


OUTBOX_STATUS = (*OutboxMessage.Status.choices, ("undelivered", "未能发出（发送失败或未配置通道）"))

OUTBOX_COLUMNS = [
    Column("created_at", "时间", sort="created_at"),
    Column("channel", "渠道", value=lambda m: m.get_channel_display(), sort="channel"),
    Column("recipient", "接收方", sort="recipient"),
    Column("subject", "标题", sort="subject"),
    Column("status", "状态", value=lambda m: m.get_status_display(), sort="status"),
    Column("attempts", "尝试次数", sort="attempts", default=False),
    Column("error", "错误", default=False),
]


def _require_staff(user) -> None:
    if not getattr(user, "is_staff", False):
        raise PermissionDenied("只有系统管理员可以查看通知发件箱。")


@login_required
@answers_bad_parameters
def outbox_list(request):
    """Every message the platform wrote (in-app, SMS, e-mail), for the administrator: what went out, what
    failed and why, what waits for a sender."""
    _require_staff(request.user)
    status = choice_param(request, "status", "状态", OUTBOX_STATUS)
    channel = choice_param(request, "channel", "渠道", OutboxMessage.Channel.choices)
    recipient = request.GET.get("recipient", "").strip()[:100]
    queryset = OutboxMessage.objects.select_related("organisation", "user")
    if status == "undelivered":
        queryset = queryset.filter(status__in=[OutboxMessage.Status.FAILED, OutboxMessage.Status.NO_SENDER])
    elif status:
        queryset = queryset.filter(status=status)
    if channel:
        queryset = queryset.filter(channel=channel)
    if recipient:
        queryset = queryset.filter(recipient__icontains=recipient)
    table = Table(request, queryset, columns=OUTBOX_COLUMNS, default_sort="-created_at")
    if table.export_requested:
        return table.export(filename="通知发件箱.csv")
    return render(
        request,
        "core/outbox_list.html",
        {
            "table": table,
            "statuses": OUTBOX_STATUS,
            "channels": OutboxMessage.Channel.choices,
            "filters": {"status": status, "channel": channel, "recipient": recipient},
            "retryable": {OutboxMessage.Status.FAILED, OutboxMessage.Status.NO_SENDER},
        },
    )


@login_required
@require_POST
def outbox_retry_view(request):
    _require_staff(request.user)
    try:
        ids = [posted_id(value, "通知编号") for value in request.POST.getlist("message")]
    except ServiceError as exc:
        return bad_request(request, field=exc.field, message=exc.message)
    if not ids:
        messages.error(request, "请先勾选要重新发送的通知。")
        return redirect("core:outbox")
    count = outbox_retry(actor=request.user, message_ids=ids)
    messages.success(request, f"已将 {count} 条通知重新放入发送队列，下次发送任务运行时发出。")
    return redirect("core:outbox")
