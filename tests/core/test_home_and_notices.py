"""Home = my work (to-dos, most urgent first, menu badges) and the in-app notices (unread until opened)."""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.core.models import AuditEntry, NoticeRead, OutboxMessage
from countyhall.core.notifications import notify
from countyhall.core.programs import Todo

pytestmark = pytest.mark.django_db


def test_home_lists_every_program_todo_most_urgent_first_with_badges(client, make_user, monkeypatch):
    from countyhall.core import todos as todo_module

    user = make_user("todo-user", "civil_affairs")
    items = [
        Todo(
            label="待审核的结算",
            url="/canteens/",
            count=3,
            deadline=dt.date(2022, 7, 10),
            menu="gazette:list",
        ),
        Todo(label="已超期的补正", url="/permits/", count=1, deadline=dt.date(2020, 1, 2)),
        Todo(label="事故书面报告", url="/emergency/", urgent=True, menu="gazette:list"),
    ]
    monkeypatch.setattr(todo_module, "core_todos", lambda user: items)
    client.force_login(user)
    html = client.get("/").content.decode()
    # Urgent first, then by deadline; the one past its deadline is marked overdue.
    assert html.index("事故书面报告") < html.index("已超期的补正") < html.index("待审核的结算")
    assert "已超期" in html and "2022年7月10日" in html and "3 项" in html
    # The menu entry the to-dos name carries their count (3 + 1).
    assert 'aria-label="4 项待办">4</span>' in html


def test_admin_todos_name_failed_messages(client, make_user):
    admin = make_user("todo-admin", "system_admin")
    admin.is_staff = True
    admin.save()
    notify(channel="sms", recipient="张三", address="", subject="补正通知", body="请补正")
    OutboxMessage.objects.update(status=OutboxMessage.Status.FAILED)
    client.force_login(admin)
    html = client.get("/").content.decode()
    assert "未能发出的短信和邮件" in html
    outbox = client.get("/outbox/?status=undelivered").content.decode()
    assert "补正通知" in outbox and "发送失败" in outbox


def test_notices_unread_until_opened_and_count_in_header(client, make_user):
    mine = make_user("notice-mine", "approval")
    colleague = make_user("notice-colleague", "approval")
    colleague.organisation = mine.organisation
    colleague.save()
    to_org = notify(
        channel="in_app",
        recipient="本单位",
        organisation=mine.organisation,
        subject="示例超期督办",
        body="示例事项已超期",
    )
    notify(
        channel="in_app",
        recipient=colleague.display_name,
        organisation=mine.organisation,
        user=colleague,
        subject="只给同事的通知",
        body="x",
    )
    client.force_login(mine)
    listing = client.get("/notices/").content.decode()
    assert "示例超期督办" in listing and "只给同事的通知" not in listing
    assert 'aria-label="1 条未读">1</span>' in listing
    before = AuditEntry.objects.count()
    detail = client.get(f"/notices/{to_org.pk}/").content.decode()
    assert "示例事项已超期" in detail
    assert NoticeRead.objects.filter(user=mine, message=to_org).exists()
    assert AuditEntry.objects.count() == before  # opening one's own notice is not an audited read
    assert "条未读" not in client.get("/notices/").content.decode()
    assert "示例超期督办" in client.get("/notices/?state=read").content.decode()
    assert "示例超期督办" not in client.get("/notices/?state=unread").content.decode()
    # The colleague still has it unread, and also the one addressed to them alone.
    client.force_login(colleague)
    assert 'aria-label="2 条未读">2</span>' in client.get("/notices/").content.decode()
    assert client.get(f"/notices/{to_org.pk}/").status_code == 200
    assert client.get("/notices/?state=nonsense").status_code == 400


def test_someone_elses_notice_is_404(client, make_user):
    other = make_user("notice-other", "approval")
    message = notify(channel="in_app", recipient="x", organisation=other.organisation, subject="s", body="b")
    client.force_login(make_user("notice-stranger", "housing"))
    assert client.get(f"/notices/{message.pk}/").status_code == 404


def test_outbox_retry_is_staff_only_and_audited(client, make_user):
    message = notify(
        channel="email", recipient="企业", address="a@example.cn", subject="决定", body="准予许可"
    )
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.FAILED, attempts=5)
    client.force_login(make_user("outbox-clerk", "approval"))
    assert client.get("/outbox/").status_code == 403
    assert client.post("/outbox/retry/", {"message": message.pk}).status_code == 403
    admin = make_user("outbox-admin", "system_admin")
    admin.is_staff = True
    admin.save()
    client.force_login(admin)
    assert client.post("/outbox/retry/", {"message": "x1"}).status_code == 400
    client.post("/outbox/retry/", {"message": message.pk})
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING and message.attempts == 0
    entry = AuditEntry.objects.filter(object_type="core.OutboxMessage", object_id=str(message.pk)).get()
    assert entry.note == "重新发送通知" and "a@example.cn" not in str(entry.after)
