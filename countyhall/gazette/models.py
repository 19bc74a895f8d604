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
        MEASURES = "measures", "办法"
        PROVISIONS = "provisions", "规定"
        DECISION = "decision", "决定"

    # A document ingested from a file of its own belongs to no gazette issue.
    issue = models.ForeignKey(
        GazetteIssue, on_delete=models.PROTECT, related_name="documents", null=True, blank=True
    )
    order = models.PositiveIntegerField("刊载顺序")
    # The 文号 in its standard form (〔〕, no 第), or for a document printed without one the identifier made from
    # its issuer, date and title (parser.unnumbered_identifier; `numbered` is then False).
    number = models.CharField("文号", max_length=64, unique=True)
    numbered = models.BooleanField("有文号", default=True)
    number_as_printed = models.CharField("文号（原文）", max_length=64, blank=True)
    year = models.PositiveIntegerField()
    serial = models.PositiveIntegerField()
    issuer = models.CharField("发文机关", max_length=128)
    issuers = models.JSONField("联合发文机关", default=list, blank=True)
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
    text_sha256 = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    source = models.CharField("来源文件", max_length=200, blank=True)

    class Meta:
        verbose_name = "文件"
        verbose_name_plural = "文件"
        ordering = ["order"]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("gazette:document", args=[self.pk])


class DocumentVersion(models.Model):
    """Each text of a document as ingested: a changed text is a new version and the old ones are kept, with what
    the parser read from them (header fields, clauses, personnel decisions)."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField("版本")
    text_sha256 = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64)
    source = models.CharField("来源文件", max_length=200, blank=True)
    title = models.CharField("标题", max_length=200)
    date = models.DateField("成文日期")
    body = models.TextField("正文")
    parsed = models.JSONField("解析结果", default=dict)
    ingested_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "文件版本"
        verbose_name_plural = "文件版本"
        ordering = ["document", "version"]
        constraints = [
            models.UniqueConstraint(fields=["document", "version"], name="unique_document_version")
        ]

    def __str__(self) -> str:
        return f"{self.document.number} 第{self.version}版"


class Clause(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="clauses")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
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
        HIRE = "hire", "聘任"
        RESIGN = "resign", "辞去"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="personnel_decisions")
    order = models.PositiveIntegerField()
    person = models.CharField("姓名", max_length=16)
    action = models.CharField("类别", max_length=16, choices=Action.choices)
    position = models.CharField("职务", max_length=200)
    acting = models.BooleanField("代理", default=False)
    probation = models.BooleanField("试用期", default=False)
    probation_months = models.PositiveSmallIntegerField("试用期（月）", null=True, blank=True)
    term = models.CharField("期限说明", max_length=64, blank=True)
    term_months = models.PositiveSmallIntegerField("期限（月）", null=True, blank=True)
    line = models.PositiveIntegerField("行号")

    class Meta:
        verbose_name = "人事任免"
        verbose_name_plural = "人事任免"
        ordering = ["document__order", "order"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.person} {self.position}"


class SearchEntry(models.Model):
    """One searchable unit of the register, kept by gazette_ingest in its transaction (gazette.search): a document's
    header (文号, title, issuer, 主送) or one clause. `tokens` is the jieba segmentation of its text, space-separated
    and framed by spaces (" 助餐 补贴 "), so a word is found with one LIKE on every database; `length` is the
    token count that BM25 normalises by."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="search_entries")
    clause = models.ForeignKey(
        Clause, null=True, blank=True, on_delete=models.CASCADE, related_name="search_entries"
    )
    tokens = models.TextField("分词")
    length = models.PositiveIntegerField("词数")

    class Meta:
        verbose_name = "检索索引"
        verbose_name_plural = "检索索引"
        constraints = [
            models.UniqueConstraint(fields=["document", "clause"], name="unique_search_entry"),
            models.UniqueConstraint(
                fields=["document"], condition=models.Q(clause=None), name="unique_search_document_entry"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document.number} {self.clause.path if self.clause_id else ''}".strip()
