"""The yearly cycle of 高政办发〔2021〕1号: a plan year with its three deadlines, computed by egov.cycle_deadlines and
stored with the citations and readings that produced them (a deadline never moves when the policy later changes)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PlanYear(models.Model):
    year = models.PositiveSmallIntegerField("计划年度", unique=True)
    application_due = models.DateField("申报截止日")
    joint_review_due = models.DateField("联合评审截止日")
    annual_plan_due = models.DateField("年度建设计划编制截止日")
    budget_year = models.PositiveSmallIntegerField("列入财政预算的年度")
    # The rule's citations and {"readings": {id: answer}, "changes": [...]} at the time the year was opened.
    citations = models.JSONField("依据条款", default=list)
    policy_basis = models.JSONField("适用的政策解读", default=dict)
    opened_at = models.DateTimeField("开启时间", auto_now_add=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="开启人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-year"]
        verbose_name = "电子政务项目计划年度"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.year}年度电子政务建设项目"
