from __future__ import annotations

from django.conf import settings
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
    # The work URI (identifiers.document_uri): /cn-sd-gaoqing/高政办发/2021/2; the Akoma Ntoso export (akn.py) reads it.
    uri = models.CharField("标识", max_length=255, db_index=True, blank=True)

    class Meta:
        verbose_name = "文件"
        verbose_name_plural = "文件"
        ordering = ["order"]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        if self.uri:
            return reverse("gazette:by-uri", args=[self.uri.lstrip("/")])
        return reverse("gazette:document", args=[self.pk])

    @property
    def affected_url(self) -> str:
        return reverse("gazette:affected", args=[self.uri.lstrip("/")]) if self.uri else ""

    @property
    def expression_uri(self) -> str:
        from .identifiers import expression_uri

        return expression_uri(self.uri, self.version)


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

    def get_absolute_url(self) -> str:
        from .identifiers import expression_uri

        if not self.document.uri:
            return self.document.get_absolute_url()
        return reverse("gazette:by-uri", args=[expression_uri(self.document.uri, self.version).lstrip("/")])


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
    # The AKN-style eId (identifiers.clause_eids): 四、（二）5 → sec_4__subsec_2__para_5; the Akoma Ntoso export (akn.py) reads it.
    eid = models.CharField("条款标识", max_length=200, blank=True)

    class Meta:
        verbose_name = "条款"
        verbose_name_plural = "条款"
        ordering = ["document__order", "order"]
        constraints = [models.UniqueConstraint(fields=["document", "anchor"], name="unique_clause_anchor")]

    def __str__(self) -> str:
        return f"{self.document.number} {self.path}"

    def get_absolute_url(self) -> str:
        if self.eid and self.document.uri:
            return reverse("gazette:by-uri", args=[f"{self.document.uri.lstrip('/')}/~{self.eid}"])
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


class LiveEventManager(models.Manager):
    """The events in force in the register: a corrected entry (superseded_by) and a withdrawn one
    (services.event_withdraw: recorded by mistake) stay in the table but no longer count. The default manager, so
    `document.events` and every selector — standing, point in time, affected figures, to-dos, the Akoma Ntoso
    lifecycle — see only live entries."""

    def get_queryset(self):
        return super().get_queryset().filter(superseded_by__isnull=True, withdrawn_at__isnull=True)


class UncorrectedEventManager(models.Manager):
    """The register's list: the uncorrected entries, the withdrawn ones too (marked there with their reason)."""

    def get_queryset(self):
        return super().get_queryset().filter(superseded_by__isnull=True)


class DocumentEvent(models.Model):
    """A dated event in a document's life, citing the document that caused it (issue 15).

    Derived at ingest from the document's own fields (issued, in force from, expires) or recorded by an
    administrator (published, retained by 高政字〔2021〕60号's list, amended, repealed, lapsed). `number` is the 文号
    of the document the event befalls, kept as a string: a retained or repealed document need not be in the
    register (高政发〔2021〕1号 is cited by 60号 but not printed in this issue)."""

    class Kind(models.TextChoices):
        ISSUED = "issued", "印发"
        PUBLISHED = "published", "公布"
        IN_FORCE = "in_force", "施行"
        EXPIRES = "expires", "有效期届满"
        RETAINED = "retained", "清理后保留"
        AMENDED = "amended", "修改"
        REPEALED = "repealed", "废止"
        LAPSED = "lapsed", "失效"

    class Origin(models.TextChoices):
        DERIVED = "derived", "导入时从原文读取"
        ADMINISTERED = "administered", "管理员录入"

    # Kinds an administrator records; the others come from the text at ingest.
    ADMINISTERED_KINDS = (Kind.PUBLISHED, Kind.AMENDED, Kind.REPEALED, Kind.LAPSED)
    # After these the document (or, for an amendment, the named clauses) no longer reads as before.
    ENDING_KINDS = (Kind.EXPIRES, Kind.REPEALED, Kind.LAPSED)

    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.CASCADE, related_name="events", verbose_name="文件"
    )
    number = models.CharField("文号", max_length=64, db_index=True)
    kind = models.CharField("事件", max_length=16, choices=Kind.choices)
    date = models.DateField("日期")
    cause = models.ForeignKey(
        Document,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="caused_events",
        verbose_name="依据文件",
    )
    cause_number = models.CharField("依据文号", max_length=64, blank=True)
    cause_line = models.PositiveIntegerField("依据行号", null=True, blank=True)
    clauses = models.JSONField("所涉条款", default=list, blank=True)
    # An amendment's new text: the DocumentVersion it brings into force from `date` (its legal date). The version
    # may be ingested before or after that day; "as in force on D" goes by this date, not by the ingest date.
    version = models.PositiveIntegerField("修改后文本（版本）", null=True, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    origin = models.CharField("来源", max_length=16, choices=Origin.choices, default=Origin.DERIVED)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)
    # A correction is a new entry: the old one points at it and is kept (never overwritten), the new one says why.
    superseded_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supersedes",
        verbose_name="更正后的登记",
    )
    correction_reason = models.CharField("更正理由", max_length=500, blank=True)
    # A mistaken entry is withdrawn with its reason, never deleted: the register shows what was recorded and why it
    # no longer counts (a page may have shown the document as repealed in between).
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_reason = models.CharField("撤销理由", max_length=500, blank=True)

    objects = LiveEventManager()
    with_withdrawn = UncorrectedEventManager()  # noqa: DJ012 - managers, not fields
    history = models.Manager()  # noqa: DJ012 - every entry, corrected and withdrawn ones too

    class Meta:
        verbose_name = "文件事件"
        verbose_name_plural = "文件事件"
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["kind", "date"], name="gazette_event_kind_date")]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()} {self.date}"


class PostMembership(models.Model):
    """One person holding one post for a time: opened by an appointment or secondment, closed by a removal
    (issue 15). Rebuilt from the personnel decisions at each ingest (services.memberships_rebuild). A removal
    from a post the register never saw opened gives a membership of unknown start."""

    person = models.CharField("姓名", max_length=16, db_index=True)
    post = models.CharField("职务", max_length=200, db_index=True)
    opened_by = models.ForeignKey(
        PersonnelDecision,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opened_memberships",
        verbose_name="任命依据",
    )
    closed_by = models.ForeignKey(
        PersonnelDecision,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="closed_memberships",
        verbose_name="免职依据",
    )
    start = models.DateField("起始日期", null=True, blank=True)
    end = models.DateField("结束日期", null=True, blank=True)
    probation_end = models.DateField("试用期满", null=True, blank=True)
    term_end = models.DateField("挂职期满", null=True, blank=True)
    acting = models.BooleanField("代理", default=False)
    secondment = models.BooleanField("挂职", default=False)

    class Meta:
        verbose_name = "任职"
        verbose_name_plural = "任职"
        ordering = ["person", "start", "id"]

    def __str__(self) -> str:
        return f"{self.person} {self.post}"

    def held_on(self, on) -> bool:
        """In post on that day: from the start (unknown: before the register) until the day before the removal."""
        return (self.start is None or self.start <= on) and (self.end is None or on < self.end)
