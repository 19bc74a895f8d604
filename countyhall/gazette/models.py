from __future__ import annotations

from django.db import models
from django.urls import reverse


class GazetteIssue(models.Model):
    title = models.CharField("期号", max_length=64, unique=True)
    source_sha256 = models.CharField(max_length=64)
    description = models.TextField("简介", blank=True)
    ingested_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "公报期次"
        verbose_name_plural = "公报期次"

    def __str__(self) -> str:
        return self.title


class Document(models.Model):
    class Kind(models.TextChoices):
        NOTICE = "notice", "通知"
        IMPLEMENTATION_PLAN = "implementation_plan", "实施方案"
        IMPLEMENTATION_RULES = "implementation_rules", "实施细则"
        OPINION = "opinion", "实施意见"
        EMERGENCY_PLAN = "emergency_plan", "应急预案"
        LIST = "list", "清单"
        PERSONNEL = "personnel", "人事任免"

    issue = models.ForeignKey(GazetteIssue, on_delete=models.PROTECT, related_name="documents")
    order = models.PositiveIntegerField("刊载顺序")
    number = models.CharField("文号", max_length=32, unique=True)
    year = models.PositiveIntegerField()
    serial = models.PositiveIntegerField()
    issuer = models.CharField("发文机关", max_length=64)
    title = models.CharField("标题", max_length=200)
    date = models.DateField("成文日期")
    kind = models.CharField("文种", max_length=32, choices=Kind.choices)
    registration_code = models.CharField("登记号", max_length=32, blank=True)
    effective_from = models.DateField("施行日期", null=True, blank=True)
    effective_to = models.DateField("有效期至", null=True, blank=True)
    recipients = models.TextField("主送", blank=True)
    attachments = models.JSONField("附件", default=list, blank=True)
    attachments_printed = models.BooleanField("附件随文刊印", default=True)
    start_line = models.PositiveIntegerField("起始行")
    end_line = models.PositiveIntegerField("结束行")
    body = models.TextField("正文")
    fingerprint = models.CharField(max_length=64)

    class Meta:
        verbose_name = "文件"
        verbose_name_plural = "文件"
        ordering = ["order"]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("gazette:document", args=[self.pk])


class Clause(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="clauses")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    order = models.PositiveIntegerField()
    anchor = models.CharField("锚点", max_length=40)
    path = models.CharField("条款", max_length=40)
    label = models.CharField(max_length=16)
    level = models.PositiveSmallIntegerField()
    heading = models.CharField("标题", max_length=200)
    text = models.TextField("条文")
    line = models.PositiveIntegerField("起始行")
    end_line = models.PositiveIntegerField("结束行")

    class Meta:
        verbose_name = "条款"
        verbose_name_plural = "条款"
        ordering = ["document__order", "order"]
        constraints = [models.UniqueConstraint(fields=["document", "anchor"], name="unique_clause_anchor")]

    def __str__(self) -> str:
        return f"{self.document.number} {self.path}"

    def get_absolute_url(self) -> str:
        return f"{self.document.get_absolute_url()}#{self.anchor}"


class PersonnelDecision(models.Model):
    class Action(models.TextChoices):
        APPOINT = "appoint", "任命"
        REMOVE = "remove", "免去"
        SECOND = "second", "挂职"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="personnel_decisions")
    order = models.PositiveIntegerField()
    person = models.CharField("姓名", max_length=16)
    action = models.CharField("类别", max_length=16, choices=Action.choices)
    position = models.CharField("职务", max_length=100)
    probation = models.BooleanField("试用期一年", default=False)
    term = models.CharField("期限说明", max_length=64, blank=True)
    line = models.PositiveIntegerField("行号")

    class Meta:
        verbose_name = "人事任免"
        verbose_name_plural = "人事任免"
        ordering = ["document__order", "order"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.person} {self.position}"
