from __future__ import annotations

from django.conf import settings
from django.db import models


class PolicyChange(models.Model):
    """A change of governed policy: from a date, a reading is answered the other way, or an administered figure
    takes a new value. Proposed by one administrator, approved by a second (four eyes); only approved changes
    are in force (core.policy.governed). Rows are never deleted: a withdrawn or refused proposal stays, with who
    and why, and an approved change is ended by a later one, not edited."""

    class Kind(models.TextChoices):
        READING = "reading", "政策解读"
        PARAMETER = "parameter", "管理员录入的数值"

    class State(models.TextChoices):
        PROPOSED = "proposed", "待审核"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "未批准"
        WITHDRAWN = "withdrawn", "已撤回"

    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    key = models.CharField("解读编号或参数键", max_length=120, db_index=True)
    value = models.JSONField(
        "新的取值"
    )  # a reading's answer ("adopted"/"alternative") or the parameter's value
    valid_from = models.DateField("起始日期")
    reason = models.TextField("理由")
    basis = models.CharField("依据文件", max_length=200, blank=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提出人",
        on_delete=models.PROTECT,
        related_name="policy_changes_proposed",
    )
    proposed_at = models.DateTimeField("提出时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.PROTECT,
        related_name="policy_changes_decided",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_note = models.TextField("审核意见", blank=True)
    # The impact preview as it stood when the change was decided (the figures move on afterwards).
    impact = models.JSONField("影响预览", default=list, blank=True)

    class Meta:
        verbose_name = "政策变更"
        verbose_name_plural = "政策变更"
        ordering = ["-proposed_at", "-pk"]
        indexes = [models.Index(fields=["state", "kind", "key"], name="policychange_state_key")]
        constraints = [
            # One proposal waits per reading or figure, also when two administrators propose at the same moment.
            models.UniqueConstraint(
                fields=["kind", "key"],
                condition=models.Q(state="proposed"),
                name="policychange_one_proposed_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key} 自 {self.valid_from.isoformat()}（{self.get_state_display()}）"

    def audit_repr(self) -> str:
        """How the audit log names the change: what it changes in words, not its key (the key stays in the row's
        snapshot), so the auditor's list shows no parameter key."""
        from countyhall.core.clock import chinese_date
        from countyhall.core.policy import parameters

        registry = parameters()
        if self.kind == self.Kind.READING:
            reading = registry.readings.get(self.key)
            subject = f"解读“{reading.question[:30]}”" if reading and reading.question else self.key
        else:
            parameter = registry.parameters.get(self.key)
            subject = f"“{parameter.label}”" if parameter else self.key
        return f"{self.get_kind_display()}{subject}自{chinese_date(self.valid_from)}（{self.get_state_display()}）"
