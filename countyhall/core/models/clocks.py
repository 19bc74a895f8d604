"""The stored parts of a statutory clock, as abstract models a program's tables are built on (decision 0012).

A clock belongs to a program's case (a permit stage, an e-government acceptance): the case row carries the
start and the limit, and its stops, extensions and notices are rows of the program's own tables with these
fields and a foreign key to that case. No table here: a generic table keyed by content type would leave the
program's queries (the permit desk reads thousands of clocks by subquery) without a real foreign key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from countyhall.core.clocks import ESCALATION, REMINDER, ClockExtension, Stop
from countyhall.core.models.divisions import Organisation


class ClockStop(models.Model):
    """The clock stops while the case waits on the applicant (补正, materials incomplete); both ends do not
    count. `end` is empty while the stop is open. Never deleted: the stops are the clock's history."""

    start = models.DateField("停止计时")
    end = models.DateField("恢复计时前一日", null=True, blank=True)
    reason = models.CharField("原因", max_length=300)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.start}—{self.end or ''}"

    def as_stop(self) -> Stop:
        return (self.start, self.end)


class ClockExtensionRecord(models.Model):
    """More working days for a clock: a reason, and an approver other than the one who asks; counted once
    approved."""

    working_days = models.PositiveIntegerField("延长工作日")
    reason = models.CharField("延期理由", max_length=300)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_on = models.DateField("申请日期")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_on = models.DateField("批准日期", null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"延长{self.working_days}个工作日"

    def as_extension(self, basis: str = "") -> ClockExtension:
        return ClockExtension(
            working_days=self.working_days,
            reason=self.reason,
            requested_on=self.requested_on,
            approved_on=self.approved_on,
            basis=basis,
        )


class ClockNoticeRecord(models.Model):
    """A reminder before a deadline, or an escalation once it has passed; one of each per clock and recipient
    (the program's unique constraint over its case key, `kind` and `organisation`)."""

    class Kind(models.TextChoices):
        REMINDER = REMINDER, "临期提醒"
        ESCALATION = ESCALATION, "超期督办"

    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name="通知部门", on_delete=models.PROTECT, related_name="+"
    )
    due = models.DateField("到期日")
    message = models.CharField("内容", max_length=300)
    created_on = models.DateField("日期")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.message
