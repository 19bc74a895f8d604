"""The yearly cycle of 高政办发〔2021〕1号 (SPEC-egov-1hao.md sections 3–4): a plan year with its three deadlines, the
application templates an administrator uploads (attachments 1–7 are not printed), a budget unit's application with
its three documents and declarations, the review (admissibility gates, written or on-site, the third-party report,
the co-signature that makes the 审核意见) and the annual plan in versions (a baseline is never overwritten).

Every decision stores the rule's citations and {"readings": {id: answer}, "changes": [...]} when it was taken, so a
later change of policy never rewrites what was decided."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from countyhall.core.models import Organisation
from countyhall.core.policy.basis import FigureBasis

MONEY = {"max_digits": 14, "decimal_places": 2}


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
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="开启人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = "电子政务项目计划年度"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.year}年度电子政务建设项目"


class VersionedUpload(models.Model):
    """An uploaded file kept in versions: a new upload is a new version, none is replaced. The concrete model adds
    its `attachment` and `file` (their choices and upload folders differ) and its uniqueness constraint."""

    version = models.PositiveSmallIntegerField("版本")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.get_attachment_display()}（第{self.version}版）"


class Template(VersionedUpload):
    """An attachment of 1号 (L901–921) as uploaded by an administrator: never generated, never overwritten (a new
    upload is a new version; the latest is the one offered)."""

    class Attachment(models.IntegerChoices):
        APPLICATION_DOCUMENT = 1, "附件1 电子政务建设项目申请文件（样稿）"
        APPLICATION_FORM = 2, "附件2 电子政务建设项目申请表"
        CONSTRUCTION_PLAN = 3, "附件3 项目建设方案（样稿）"
        CLOUD_NEW = 4, "附件4 政务云资源需求审批表（新建系统）"
        CLOUD_MIGRATED = 5, "附件5 政务云资源需求审批表（迁移系统）"
        CLOUD_CHANGE = 6, "附件6 政务云资源变更审批表"
        ACCEPTANCE_OUTLINE = 7, "附件7 电子政务建设项目验收工作大纲"

    attachment = models.PositiveSmallIntegerField("附件", choices=Attachment.choices)
    file = models.FileField("文件", upload_to="egov/templates/")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["attachment", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["attachment", "version"], name="egov_template_version")
        ]
        verbose_name = "申报材料模板"
        verbose_name_plural = verbose_name


class Application(models.Model):
    """One project a budget unit applies for in a plan year (三、（一）, L439–542)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已申报，待审查"
        REFUSED_LATE = "refused_late", "逾期申报，不予受理"
        DEFERRED = "deferred", "逾期申报，转入下一年度"
        SECRECY_REVIEW = "secrecy_review", "涉密项目，待保密局审查"
        FILED = "filed", "省、市统筹项目，抄送备案"
        INADMISSIBLE = "inadmissible", "不予审批"
        UNDER_REVIEW = "under_review", "评审中"
        REVIEWED = "reviewed", "已形成审核意见"
        NOT_SUPPORTED = "not_supported", "审核意见：不予支持"
        IN_PLAN = "in_plan", "列入年度建设计划"
        NOT_IN_PLAN = "not_in_plan", "未列入年度建设计划"

    class Funding(models.TextChoices):
        FISCAL_FULL = "fiscal_full", "全部使用财政资金"
        FISCAL_PARTIAL = "fiscal_partial", "部分使用财政资金"

    class Migration(models.TextChoices):
        NONE = "none", "无已建系统"
        COMPLETED = "completed", "已按要求完成迁移整合"
        IN_PROGRESS = "in_progress", "迁移整合中"
        NOT_STARTED = "not_started", "尚未迁移整合"

    plan_year = models.ForeignKey(
        PlanYear, verbose_name="计划年度", on_delete=models.PROTECT, related_name="applications"
    )
    unit = models.ForeignKey(
        Organisation, verbose_name="项目申报单位", on_delete=models.PROTECT, related_name="egov_applications"
    )
    name = models.CharField("项目名称", max_length=120)
    summary = models.TextField("建设内容", blank=True)
    # 1.2/1.3: a project may have both components (SPEC 5.3).
    has_engineering = models.BooleanField("含信息化工程项目", default=False)
    has_service = models.BooleanField("含信息化服务项目", default=False)
    planned_investment = models.DecimalField("计划投资（元）", **MONEY)
    funding = models.CharField("资金来源", max_length=16, choices=Funding.choices)
    classified = models.BooleanField("涉密项目", default=False)
    upper_level_funded = models.BooleanField("省、市统筹安排并拨付资金", default=False)
    upper_level_reference = models.CharField("上级申报文号或说明", max_length=200, blank=True)
    major_county_project = models.BooleanField("列入县重大项目投资计划", default=False)
    county_decided = models.BooleanField("经县委、县政府研究确定", default=False)
    county_decision = models.CharField("县委、县政府研究确定的依据", max_length=200, blank=True)
    # The eight kinds of 三、（一）（1）—（8） (L513–542): each answered {"1": bool, …, "8": bool}.
    declaration = models.JSONField("八类项目声明", default=dict)
    special_circumstance_reasons = models.TextField("特殊情况说明", blank=True)
    # Migration and sharing status (3.8, 4.3a, 4.3b) as the unit declares it.
    migration_status = models.CharField(
        "基础设施和应用系统迁移整合情况", max_length=16, choices=Migration.choices
    )
    supports_sharing_platform = models.BooleanField("支持政务信息资源共享交换平台", default=False)
    provides_info_per_rules = models.BooleanField("按规定向共享交换平台提供信息", default=False)
    sharing_needs_specified = models.BooleanField("已明确部门间信息共享需求", default=False)
    violates_sharing_rules = models.BooleanField("存在违反政务信息资源共享管理规定的情形", default=False)
    # 3.4: "技术设计较为复杂" is set by the e-gov department with a reason (reading D34c); the two dates of D34a are
    # recorded without an order enforced.
    technically_complex = models.BooleanField("技术设计较为复杂", default=False)
    technically_complex_reason = models.CharField("认定理由", max_length=200, blank=True)
    consulting = models.JSONField("工程咨询单位要求（规则结果）", default=dict)
    consulting_firm = models.CharField("工程咨询单位", max_length=120, blank=True)
    consulting_review_on = models.DateField("咨询需求经主管部门审核日期", null=True, blank=True)
    consulting_procured_on = models.DateField("咨询单位政府采购确定日期", null=True, blank=True)

    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    submitted_on = models.DateField("申报日期", null=True, blank=True)
    timeliness = models.JSONField("是否按时（规则结果）", default=dict)
    deferred_from = models.PositiveSmallIntegerField("由哪一计划年度转入", null=True, blank=True)
    # 3.5 classified: 保密局's review and confirmation.
    secrecy_confirmed_at = models.DateTimeField("保密审查确认时间", null=True, blank=True)
    secrecy_opinion = models.CharField("保密审查意见", max_length=200, blank=True)
    # 3.6 upper-level funded: filed (备案) with the e-gov department.
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    # 3.7 major county projects: 发改 approval (立项审批).
    development_approval = models.CharField("发改立项批复文号", max_length=100, blank=True)
    development_approved_on = models.DateField("立项批复日期", null=True, blank=True)
    # The annual plan's outcome as returned to the unit (4.7).
    outcome = models.CharField("年度计划结果", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-plan_year__year", "unit__name", "name"]
        indexes = [models.Index(fields=["plan_year", "status"]), models.Index(fields=["unit", "status"])]
        verbose_name = "电子政务建设项目申报"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name

    @property
    def components(self) -> list[str]:
        return [
            label
            for on, label in ((self.has_engineering, "信息化工程项目"), (self.has_service, "信息化服务项目"))
            if on
        ]

    @property
    def restricted_kinds(self) -> list[int]:
        return sorted(int(kind) for kind, on in self.declaration.items() if on)


class ApplicationDocument(VersionedUpload):
    """One of the three application documents (3.3: 附件1–3); a new upload is a new version, none is replaced."""

    application = models.ForeignKey(
        Application, verbose_name="申报", on_delete=models.CASCADE, related_name="documents"
    )
    attachment = models.PositiveSmallIntegerField("材料", choices=Template.Attachment.choices[:3])
    file = models.FileField("文件", upload_to="egov/applications/")

    class Meta:
        ordering = ["attachment", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "attachment", "version"], name="egov_document_version"
            )
        ]
        verbose_name = "申报材料"
        verbose_name_plural = verbose_name


class Review(models.Model):
    """The joint review of one application (三、（二）, L544–656): admissibility first, then written or on-site review
    by the third party, its report, and the co-signature of 大数据局 (technical) and 财政局 (fiscal)."""

    class Mode(models.TextChoices):
        WRITTEN = "written", "书面评审"
        ONSITE = "onsite", "现场评审"

    application = models.OneToOneField(
        Application, verbose_name="申报", on_delete=models.PROTECT, related_name="review"
    )
    admissibility = models.JSONField("准予评审的审查结果", default=dict)  # the rule's result, inputs and who
    legal_exception_basis = models.CharField("法律法规明确规定的依据", max_length=200, blank=True)
    special_circumstance_accepted = models.BooleanField("认定特殊情况", default=False)
    special_circumstance_note = models.CharField("特殊情况认定理由", max_length=200, blank=True)
    mode = models.CharField("评审方式", max_length=8, choices=Mode.choices, blank=True)
    mode_terms = models.JSONField("评审方式（规则结果）", default=dict)
    mode_reason = models.CharField("低于100万元仍组织现场评审的理由", max_length=200, blank=True)
    reviewer = models.ForeignKey(
        Organisation,
        verbose_name="第三方评审机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="egov_reviews",
    )
    report = models.FileField("评审报告", upload_to="egov/reports/", blank=True)
    report_conclusion = models.TextField("评审报告结论", blank=True)
    report_uploaded_at = models.DateTimeField("评审报告上传时间", null=True, blank=True)
    technical_supported = models.BooleanField("技术审核：支持", null=True)
    technical_opinion = models.TextField("技术审核意见", blank=True)
    technical_signed_at = models.DateTimeField("大数据局会签时间", null=True, blank=True)
    technical_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="大数据局会签人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    fiscal_supported = models.BooleanField("财政审核：支持", null=True)
    fiscal_opinion = models.TextField("财政审核意见", blank=True)
    approved_investment = models.DecimalField("审核确定的投资（元）", null=True, blank=True, **MONEY)
    fiscal_signed_at = models.DateTimeField("财政局会签时间", null=True, blank=True)
    fiscal_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="财政局会签人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField("开始时间", auto_now_add=True)

    class Meta:
        verbose_name = "项目评审"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.application.name}的评审"

    @property
    def admissible(self) -> bool:
        return bool(self.admissibility.get("admissible"))

    @property
    def cosigned(self) -> bool:
        return self.technical_signed_at is not None and self.fiscal_signed_at is not None


class OnsiteStep(models.Model):
    """One of the five steps of the on-site review (4.5, L626–640), recorded in order with who spoke."""

    class Step(models.IntegerChoices):
        PRESENTATION = 1, "项目申报单位介绍项目建设方案"
        EXPERTS = 2, "专家发表意见、讨论交流"
        FINANCE = 3, "县财政部门发表意见、讨论交流"
        EGOV = 4, "县电子政务主管部门发表意见、讨论交流"
        OPINION = 5, "形成现场评审意见"

    review = models.ForeignKey(Review, verbose_name="评审", on_delete=models.CASCADE, related_name="steps")
    step = models.PositiveSmallIntegerField("步骤", choices=Step.choices)
    held_on = models.DateField("日期")
    speakers = models.CharField("发言人", max_length=200)
    summary = models.TextField("内容摘要")
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["step"]
        constraints = [models.UniqueConstraint(fields=["review", "step"], name="egov_onsite_step_once")]
        verbose_name = "现场评审步骤"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"第{self.step}步：{self.get_step_display()}"


class AnnualPlan(models.Model):
    """One version of a plan year's 年度建设计划 (4.7, L658–667). An approved version is the baseline; a change is a new
    version approved again (reading D410), the earlier one kept as superseded — never edited."""

    class Status(models.TextChoices):
        DRAFT = "draft", "待县政府审定"
        APPROVED = "approved", "县政府已审定"
        SUPERSEDED = "superseded", "已被调整后的计划取代"

    plan_year = models.ForeignKey(
        PlanYear, verbose_name="计划年度", on_delete=models.PROTECT, related_name="plans"
    )
    version = models.PositiveSmallIntegerField("版本")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    change_reason = models.TextField("调整理由（特殊或紧急情况）", blank=True)
    compiled_on = models.DateField("编制日期")
    compiled_late = models.BooleanField("晚于12月底编制", default=False)
    compiled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="编制人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approval_reference = models.CharField("县政府审定文号", max_length=100, blank=True)
    approved_at = models.DateTimeField("审定时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    citations = models.JSONField("依据条款", default=list)
    policy_basis = models.JSONField("适用的政策解读", default=dict)

    class Meta:
        ordering = ["plan_year", "-version"]
        constraints = [models.UniqueConstraint(fields=["plan_year", "version"], name="egov_plan_version")]
        verbose_name = "电子政务项目年度建设计划"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.plan_year.year}年度电子政务项目年度建设计划（第{self.version}版）"

    @property
    def total(self):
        return sum((entry.investment for entry in self.entries.all()), start=Decimal("0.00"))


class PlanEntry(models.Model):
    """A project in one plan version with the investment of its 审核意见, copied when the version was compiled."""

    plan = models.ForeignKey(
        AnnualPlan, verbose_name="年度计划", on_delete=models.CASCADE, related_name="entries"
    )
    application = models.ForeignKey(
        Application, verbose_name="项目", on_delete=models.PROTECT, related_name="plan_entries"
    )
    investment = models.DecimalField("计划安排投资（元）", **MONEY)

    class Meta:
        ordering = ["application__unit__name", "application__name"]
        constraints = [models.UniqueConstraint(fields=["plan", "application"], name="egov_plan_entry_once")]
        verbose_name = "年度计划项目"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.application.name}：{self.investment}元"


# ---------------------------------------------------------------- operation and performance (三、（五）, 四、)
# SPEC-egov-1hao.md section 7. 1号 prints no scoring scale, frequency or threshold for 绩效低下: the scale's full mark
# is the administered figure egov.performance.scale_max (copied into each score when it is given), the verdict is a
# person's, and the next-year flag (6.9, 7.5) is a recommendation a person confirms (NextYearDecision).


class OperationArrangement(models.Model):
    """Who runs and maintains a project (三、（五）, L853–865): on the government cloud, 县大数据局 coordinates and buys the
    service from a specialist firm; a department's own application system is maintained by its builder."""

    class Mode(models.TextChoices):
        CLOUD = "cloud", "依托政务云：县大数据局统一协调，以政府采购服务委托专业公司"
        UNIT = "unit", "部门业务应用系统：由项目建设单位运行维护"

    application = models.OneToOneField(
        Application, verbose_name="项目", on_delete=models.PROTECT, related_name="operation"
    )
    mode = models.CharField("运行维护方式", max_length=8, choices=Mode.choices)
    provider = models.CharField("运维机构", max_length=120)
    contract_reference = models.CharField("政府采购合同或委托说明", max_length=200, blank=True)
    start_on = models.DateField("运维开始日期")
    note = models.CharField("说明", max_length=200, blank=True)
    citations = models.JSONField("依据条款", default=list)
    recorded_at = models.DateTimeField("登记时间", auto_now=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "运行维护安排"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.application.name}的运行维护（{self.provider}）"


class PerformanceEvaluation(models.Model):
    """One performance evaluation of a project (四、, L869–877): progress, money, operation and effect, a score on the
    administered scale and the evaluator's verdict. A poor project is rectified by a deadline (L885–889) and evaluated
    again; a poor verdict after rectification is what 7.5 flags (L889–895)."""

    class Round(models.TextChoices):
        REGULAR = "regular", "绩效评估"
        AFTER_RECTIFICATION = "after_rectification", "整改后复评"

    class Verdict(models.TextChoices):
        ADEQUATE = "adequate", "达到应有绩效"
        POOR = "poor", "绩效低下，限期整改"

    application = models.ForeignKey(
        Application, verbose_name="项目", on_delete=models.PROTECT, related_name="evaluations"
    )
    # Entered by the evaluator on the administered scale (no figure of 1号: SPEC 7, "the platform never derives a
    # verdict"); the full mark is copied from egov.performance.scale_max, cited in `citations`.
    POLICY_FIGURES = FigureBasis(entered=("score", "rectification_due"))
    round = models.CharField("评估类别", max_length=20, choices=Round.choices, default=Round.REGULAR)
    evaluated_on = models.DateField("评估日期")
    score = models.DecimalField("得分", max_digits=6, decimal_places=2)
    scale_max = models.PositiveIntegerField("满分（评估时的评分量表）")
    progress = models.TextField("建设进度")
    funds = models.TextField("资金使用")
    operation = models.TextField("运行情况")
    effect = models.TextField("应用效果")
    verdict = models.CharField("评估结论", max_length=10, choices=Verdict.choices)
    rectification_due = models.DateField("整改期限", null=True, blank=True)
    citations = models.JSONField("依据条款", default=list)
    policy_basis = models.JSONField("适用的政策解读", default=dict)
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评估人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-evaluated_on", "-pk"]
        indexes = [models.Index(fields=["application", "evaluated_on"])]
        verbose_name = "项目绩效评估"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.application.name}的{self.get_round_display()}（{self.evaluated_on}）"


class SupplierRating(models.Model):
    """The assessment of a contractor, supervisor, evaluation/consulting body or O&M body on one project (四、,
    L879–885): a reference for later procurement, shown as a ranking with its formula and an "as of" date."""

    class Kind(models.TextChoices):
        CONTRACTOR = "contractor", "项目承建单位"
        SUPERVISOR = "supervisor", "监理单位"
        CONSULTANT = "consultant", "评估咨询机构"
        OPERATOR = "operator", "运维机构"

    application = models.ForeignKey(
        Application, verbose_name="项目", on_delete=models.PROTECT, related_name="supplier_ratings"
    )
    POLICY_FIGURES = FigureBasis(entered=("score",))
    kind = models.CharField("单位类别", max_length=12, choices=Kind.choices)
    supplier = models.CharField("单位名称", max_length=120)
    score = models.DecimalField("得分", max_digits=6, decimal_places=2)
    scale_max = models.PositiveIntegerField("满分（评估时的评分量表）")
    rated_on = models.DateField("评估日期")
    note = models.CharField("评估意见", max_length=200)
    citations = models.JSONField("依据条款", default=list)
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评估人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["kind", "supplier", "-rated_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind", "supplier"], name="egov_supplier_rating_once"
            )
        ]
        verbose_name = "参建单位评估考核"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.supplier}（{self.get_kind_display()}）"

    @property
    def percent(self) -> Decimal:
        """The score on a 100-point basis (scales may change between years)."""
        return (self.score * 100 / self.scale_max).quantize(Decimal("0.01"))


class NextYearDecision(models.Model):
    """A person's decision on the platform's next-year recommendation (三、（四）2 L843–845; 四、 L889–895): the unit's
    projects of the next plan year are reduced or refused — or not, with the reason. The platform never decides."""

    class Decision(models.TextChoices):
        REDUCE = "reduce", "压缩下一年度电子政务建设项目"
        REFUSE = "refuse", "不予安排下一年度电子政务建设项目"
        DISMISS = "dismiss", "不予处理"

    application = models.ForeignKey(
        Application, verbose_name="所涉项目", on_delete=models.PROTECT, related_name="next_year_decisions"
    )
    unit = models.ForeignKey(
        Organisation,
        verbose_name="项目建设单位",
        on_delete=models.PROTECT,
        related_name="egov_next_year_decisions",
    )
    target_year = models.PositiveSmallIntegerField("涉及的计划年度")
    reasons = models.JSONField("提示理由", default=list)
    rule_result = models.JSONField("规则结果（含依据条款）", default=dict)
    decision = models.CharField("处理决定", max_length=8, choices=Decision.choices)
    note = models.TextField("决定理由")
    decided_at = models.DateTimeField("决定时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="决定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "target_year"], name="egov_next_year_decision_once"
            )
        ]
        verbose_name = "下一年度项目安排的处理"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.unit}：{self.get_decision_display()}（{self.target_year}年度）"


# ======================================================================================================================
# Construction and acceptance (高政办发〔2021〕1号 三、（三）—（四）, SPEC-egov-1hao.md sections 5–6; issue 14)
#
# A project in the annual plan (Application IN_PLAN) is built by its unit: the procurement file reviewed by 大数据局
# before the trading centre procures (5.1), cloud resources on forms 4–6 (5.2a), the supervisor filed before
# construction starts where supervision applies (5.3), design changes (5.2c), inspections with findings and, for a
# 重大问题 with the county government's approval, sanctions (5.4–5.6); then preliminary acceptance by the unit
# (6.2–6.3), final acceptance by 大数据局 on the 20-working-day clock (6.4–6.7, core StatutoryClock), use (6.8) and the
# settlement review that post-acceptance payments rest on (6.10). Every payment stores the funding rule's result.
# ======================================================================================================================

from countyhall.core.models.clocks import ClockNoticeRecord, ClockStop  # noqa: E402
from countyhall.core.policy.basis import FigureBasis  # noqa: E402


def _by(verbose_name: str):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )


class Procurement(models.Model):
    """5.1 (L689–703): the unit sends its procurement file to 大数据局; only a file it approved may be procured by the
    trading centre (市公共资源交易中心高青分中心, reading D2n: one organisation). A returned file is sent again."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "采购文件待县大数据局审核"
        RETURNED = "returned", "采购文件退回修改"
        REVIEWED = "reviewed", "采购文件已审核，可组织采购"
        PROCURED = "procured", "已完成政府采购"

    application = models.OneToOneField(
        Application, verbose_name="项目", on_delete=models.PROTECT, related_name="procurement"
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    file = models.FileField("采购文件", upload_to="egov/procurement/")
    submitted_on = models.DateField("报送日期")
    submitted_by = _by("报送人")
    review_opinion = models.CharField("审核意见", max_length=300, blank=True)
    reviewed_on = models.DateField("审核日期", null=True, blank=True)
    reviewed_by = _by("审核人")
    contractor = models.CharField("项目承建单位", max_length=120, blank=True)
    contract_amount = models.DecimalField("合同金额（元）", null=True, blank=True, **MONEY)
    procured_on = models.DateField("采购完成日期", null=True, blank=True)
    procured_by = _by("登记人（交易中心）")
    citations = models.JSONField("依据条款", default=list)

    POLICY_FIGURES = FigureBasis(entered=("contract_amount",))

    class Meta:
        verbose_name = "项目采购"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.application.name}的采购"

    @property
    def file_reviewed(self) -> bool:
        return self.status in (self.Status.REVIEWED, self.Status.PROCURED)


class CloudResourceRequest(models.Model):
    """5.2a (L705–721): cloud resources asked on 附件4 (new system), 附件5 (migrated system) or 附件6 (a change) —
    reading D0c — and approved by 大数据局."""

    class Kind(models.TextChoices):
        NEW = "new", "新建系统"
        MIGRATED = "migrated", "迁移系统"
        CHANGE = "change", "资源变更"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待审批"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "不予批准"

    application = models.ForeignKey(
        Application, verbose_name="项目", on_delete=models.PROTECT, related_name="cloud_requests"
    )
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    form = models.PositiveSmallIntegerField("审批表", choices=Template.Attachment.choices[3:6])
    resources = models.TextField("资源需求")
    file = models.FileField("审批表文件", upload_to="egov/cloud/")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_on = models.DateField("报送日期")
    submitted_by = _by("报送人")
    opinion = models.CharField("审批意见", max_length=300, blank=True)
    decided_on = models.DateField("审批日期", null=True, blank=True)
    decided_by = _by("审批人")
    citations = models.JSONField("依据条款", default=list)
    policy_basis = models.JSONField("适用的政策解读", default=dict)

    class Meta:
        ordering = ["-submitted_on", "-pk"]
        verbose_name = "政务云资源申请"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.get_form_display()}（{self.get_status_display()}）"


class Construction(models.Model):
    """5.3 (L739–753) and the start of construction: whether supervision applies (egov.supervision_required, stored
    with its basis), the supervisor and its filing with 大数据局, or 大数据局's recorded exemption ("原则上", reading
    D53b); the start refused until one of them is on file. `planned_acceptance_on` is the acceptance date of the
    approved plan (reading D69: "按期", administered per project)."""

    application = models.OneToOneField(
        Application, verbose_name="项目", on_delete=models.PROTECT, related_name="construction"
    )
    supervision = models.JSONField("是否实行监理（规则结果）", default=dict)
    supervisor = models.CharField("工程监理单位", max_length=120, blank=True)
    supervisor_qualification = models.CharField("监理单位资质", max_length=200, blank=True)
    chief_supervisor_certificate = models.CharField("总监理工程师证书", max_length=200, blank=True)
    supervision_filed_on = models.DateField("监理备案日期", null=True, blank=True)
    supervision_filed_by = _by("备案人")
    exemption_reason = models.CharField("免于监理的理由", max_length=300, blank=True)
    exempted_on = models.DateField("免于监理认定日期", null=True, blank=True)
    exempted_by = _by("认定人")
    planned_acceptance_on = models.DateField("计划完成验收日期", null=True, blank=True)
    started_on = models.DateField("开工日期", null=True, blank=True)
    started_by = _by("登记人")

    POLICY_FIGURES = FigureBasis(entered=("planned_acceptance_on",))

    class Meta:
        verbose_name = "项目建设"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.application.name}的建设"

    @property
    def supervision_required(self) -> bool:
        return bool(self.supervision.get("required"))

    @property
    def supervision_settled(self) -> bool:
        """Supervision does not apply, or the supervisor is filed, or an exemption is recorded."""
        return not self.supervision_required or bool(self.supervision_filed_on) or bool(self.exempted_on)


class DesignChange(models.Model):
    """5.2c (L729–737): a design change reported by the unit; a major one needs approval, and an unapproved major
    change blocks any additional investment (egov.funding_allowed)."""

    class Status(models.TextChoices):
        REPORTED = "reported", "待审批"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "不予批准"
        NOT_MAJOR = "not_major", "一般变更（备案）"

    application = models.ForeignKey(
        Application, verbose_name="项目", on_delete=models.PROTECT, related_name="design_changes"
    )
    description = models.TextField("变更内容")
    major = models.BooleanField("重大设计变更", default=False)
    budget_effect = models.DecimalField("对投资的影响（元，增加为正）", default=Decimal("0.00"), **MONEY)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.REPORTED)
    reported_on = models.DateField("报告日期")
    reported_by = _by("报告人")
    opinion = models.CharField("审批意见", max_length=300, blank=True)
    decided_on = models.DateField("审批日期", null=True, blank=True)
    decided_by = _by("审批人")

    POLICY_FIGURES = FigureBasis(entered=("budget_effect",))

    class Meta:
        ordering = ["-reported_on", "-pk"]
        verbose_name = "设计变更"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{'重大' if self.major else '一般'}设计变更（{self.get_status_display()}）"

    @property
    def unapproved_major(self) -> bool:
        return self.major and self.status != self.Status.APPROVED


class Inspection(models.Model):
    """5.4 (L755–767): 大数据局 with 财政局, 审计局 and technical support units inspects a project under construction."""

    application = models.ForeignKey(
        Application, verbose_name="项目", on_delete=models.PROTECT, related_name="inspections"
    )
    inspected_on = models.DateField("检查日期")
    participants = models.CharField("参加单位", max_length=200)
    scope = models.TextField("检查内容")
    recorded_by = _by("记录人")

    class Meta:
        ordering = ["-inspected_on", "-pk"]
        verbose_name = "监督检查"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.inspected_on}监督检查"


class Finding(models.Model):
    """A problem an inspection found (5.5): the unit rectifies by the deadline; a 重大问题 may lead to a sanction."""

    inspection = models.ForeignKey(
        Inspection, verbose_name="检查", on_delete=models.PROTECT, related_name="findings"
    )
    description = models.TextField("问题")
    major = models.BooleanField("重大问题", default=False)
    rectify_by = models.DateField("整改期限")
    rectified_on = models.DateField("整改完成日期", null=True, blank=True)
    rectification = models.TextField("整改情况", blank=True)
    rectified_by = _by("整改登记人")

    POLICY_FIGURES = FigureBasis(entered=("rectify_by",))

    class Meta:
        ordering = ["rectify_by", "pk"]
        verbose_name = "检查发现的问题"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{'重大问题' if self.major else '问题'}：{self.description[:30]}"


class Sanction(models.Model):
    """5.6 (L769–775): proposed by 大数据局 on a 重大问题, in force once 县政府 approves (egov.sanction_allowed, reading
    D56: any of the four). 暂缓拨付 blocks payments until lifted; 暂停 stops construction until lifted; 终止 is final."""

    class Kind(models.TextChoices):
        CRITICISM = "通报批评", "通报批评"
        WITHHOLD = "暂缓拨付", "暂缓拨付建设资金"
        SUSPEND = "暂停", "暂停项目建设"
        TERMINATE = "终止", "终止项目"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待县政府批准"
        IN_FORCE = "in_force", "已批准执行"
        REFUSED = "refused", "县政府未批准"
        LIFTED = "lifted", "已解除"

    application = models.ForeignKey(
        Application, verbose_name="项目", on_delete=models.PROTECT, related_name="sanctions"
    )
    finding = models.ForeignKey(
        Finding, verbose_name="依据的重大问题", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("处理方式", max_length=8, choices=Kind.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PROPOSED)
    reason = models.TextField("处理理由")
    proposed_on = models.DateField("提出日期")
    proposed_by = _by("提出人")
    approval_reference = models.CharField("县政府批准文号", max_length=100, blank=True)
    decided_on = models.DateField("县政府批准日期", null=True, blank=True)
    decided_by = _by("批准人")
    terms = models.JSONField("能否处理（规则结果）", default=dict)
    lifted_on = models.DateField("解除日期", null=True, blank=True)
    lift_reason = models.CharField("解除理由", max_length=300, blank=True)
    lifted_by = _by("解除人")

    class Meta:
        ordering = ["-proposed_on", "-pk"]
        verbose_name = "对项目建设单位的处理"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.get_status_display()}）"


class PreliminaryAcceptance(models.Model):
    """6.2–6.3 (L787–803): the unit's preliminary acceptance after the trial run, with the testing body's report on
    newly developed software and the security risk assessment; the trial run (egov.trial_run_satisfied) stored."""

    application = models.OneToOneField(
        Application, verbose_name="项目", on_delete=models.PROTECT, related_name="preliminary_acceptance"
    )
    new_software = models.BooleanField("含新开发的应用软件", default=True)
    trial_start_on = models.DateField("试运行开始日期")
    accepted_on = models.DateField("初步验收日期")
    exemption_reason = models.CharField("试运行不满3个月的理由", max_length=300, blank=True)
    testing_body = models.CharField("评测评估机构", max_length=120, blank=True)
    test_report = models.FileField("软件测试报告", upload_to="egov/acceptance/", blank=True)
    security_assessment = models.FileField("信息安全风险评估报告", upload_to="egov/acceptance/")
    trial_run = models.JSONField("试运行期（规则结果）", default=dict)
    recorded_by = _by("登记人")

    class Meta:
        verbose_name = "初步验收"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.application.name}的初步验收"


class AcceptanceChecklistItem(models.Model):
    """One item of the materials list of 附件7《电子政务建设项目验收工作大纲》: not printed (L921–925), so entered by an
    administrator or 大数据局 from the published attachment; never invented."""

    name = models.CharField("材料名称", max_length=120, unique=True)
    position = models.PositiveSmallIntegerField("序号")
    active = models.BooleanField("在用", default=True)
    entered_by = _by("录入人")

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "竣工验收材料清单项"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class FinalAcceptance(models.Model):
    """6.4–6.7 (L805–839): the unit applies with the materials of 附件7; the clock (core StatutoryClock, limit
    egov.acceptance.working_days) starts on the application day, stopped while the materials are incomplete; 大数据局
    accepts within 20 working days of complete materials, by egov.acceptance_passes; a failed acceptance is
    rectified by a deadline and applied for again (a new row)."""

    class Status(models.TextChoices):
        INCOMPLETE = "incomplete", "验收材料不齐，停止计时"
        RUNNING = "running", "验收中（计时）"
        PASSED = "passed", "竣工验收合格"
        FAILED = "failed", "竣工验收不合格，限期整改"

    application = models.ForeignKey(
        Application, verbose_name="项目", on_delete=models.PROTECT, related_name="final_acceptances"
    )
    attempt = models.PositiveSmallIntegerField("第几次申请")
    status = models.CharField("状态", max_length=12, choices=Status.choices)
    applied_on = models.DateField("申请日期")
    applied_by = _by("申请人")
    # {str(item id): {"name": …, "received": bool}} from the checklist when applied and as materials arrive.
    materials = models.JSONField("验收材料", default=dict)
    materials_complete_on = models.DateField("收齐验收材料之日", null=True, blank=True)
    working_days = models.PositiveSmallIntegerField("验收时限（工作日）")
    due_on = models.DateField("验收完成期限", null=True, blank=True)
    key_params_match_plan = models.BooleanField("主要技术参数指标与审核意见一致", null=True)
    catalogue_on_sharing_platform = models.BooleanField("信息资源目录已纳入共享交换平台", null=True)
    result = models.JSONField("能否通过验收（规则结果）", default=dict)
    decided_on = models.DateField("验收结论日期", null=True, blank=True)
    decided_by = _by("验收组织人")
    report_number = models.CharField("竣工验收报告编号", max_length=100, blank=True)
    on_time = models.BooleanField("在期限内完成验收", null=True)
    rectification_plan = models.TextField("整改方案", blank=True)
    rectify_by = models.DateField("整改期限", null=True, blank=True)
    in_use_on = models.DateField("投入使用日期", null=True, blank=True)
    citations = models.JSONField("依据条款", default=list)
    policy_basis = models.JSONField("适用的政策解读", default=dict)

    POLICY_FIGURES = FigureBasis(
        computed=("working_days", "due_on"),
        entered=("rectify_by",),
        basis="policy_basis",
        note="egov.acceptance.working_days and reading D65 on the day the materials were complete",
    )

    class Meta:
        ordering = ["application", "-attempt"]
        constraints = [
            models.UniqueConstraint(fields=["application", "attempt"], name="egov_final_acceptance_attempt")
        ]
        verbose_name = "竣工验收"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.application.name}竣工验收（第{self.attempt}次）"

    @property
    def missing(self) -> list[str]:
        return [item["name"] for item in self.materials.values() if not item.get("received")]


class FinalAcceptanceStop(ClockStop):
    """The acceptance clock stopped while the materials are incomplete (6.5: it runs only from complete materials)."""

    acceptance = models.ForeignKey(
        FinalAcceptance, verbose_name="竣工验收", on_delete=models.PROTECT, related_name="stops"
    )

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = "验收停止计时"
        verbose_name_plural = verbose_name


class FinalAcceptanceNotice(ClockNoticeRecord):
    """A reminder before the acceptance deadline, or an escalation once passed: one per acceptance and kind."""

    acceptance = models.ForeignKey(
        FinalAcceptance, verbose_name="竣工验收", on_delete=models.PROTECT, related_name="notices"
    )

    POLICY_FIGURES = FigureBasis(computed=("due",), via="acceptance", note="the acceptance's clock")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["acceptance", "kind", "organisation"], name="egov_acceptance_notice_once"
            )
        ]
        verbose_name = "验收时限提醒"
        verbose_name_plural = verbose_name


class SettlementReview(models.Model):
    """6.10 (L847–851): after final acceptance 财政局 commissions a third party's settlement review; its settled
    amount is the basis (and the cap, reading D610) of the payments after acceptance."""

    application = models.OneToOneField(
        Application, verbose_name="项目", on_delete=models.PROTECT, related_name="settlement_review"
    )
    acceptance = models.ForeignKey(
        FinalAcceptance, verbose_name="竣工验收", on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.CharField("第三方中介机构", max_length=120)
    commissioned_on = models.DateField("委托日期")
    completed_on = models.DateField("结算评审完成日期")
    settled_amount = models.DecimalField("结算审定金额（元）", **MONEY)
    conclusion = models.TextField("结算评审结论", blank=True)
    recorded_by = _by("登记人")
    citations = models.JSONField("依据条款", default=list)

    POLICY_FIGURES = FigureBasis(entered=("settled_amount",))

    class Meta:
        verbose_name = "结算评审"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.application.name}的结算评审"


class Payment(models.Model):
    """Money for a project, recorded by 财政局 only when egov.funding_allowed allows it (4.9 plan, 5.1 procurement
    review, 5.2c unapproved major change, 5.6 暂缓拨付/终止, 6.10 acceptance and settlement review); the rule's
    result is stored with it. A refused payment is not written."""

    class Kind(models.TextChoices):
        # The labels of egov.funding_allowed's payment_kind (rules.PAYMENT_KINDS; tests/policy checks they agree).
        BUDGET_ALLOCATION = "budget_allocation", "列入预算安排资金"
        PROGRESS = "progress", "进度款"
        POST_ACCEPTANCE = "post_acceptance", "验收后拨款"
        ADDITIONAL_INVESTMENT = "additional_investment", "追加投资"

    application = models.ForeignKey(
        Application, verbose_name="项目", on_delete=models.PROTECT, related_name="payments"
    )
    kind = models.CharField("资金类别", max_length=24, choices=Kind.choices)
    amount = models.DecimalField("金额（元）", **MONEY)
    paid_on = models.DateField("拨付日期")
    note = models.CharField("说明", max_length=200, blank=True)
    terms = models.JSONField("能否拨付（规则结果）", default=dict)
    recorded_by = _by("登记人")

    POLICY_FIGURES = FigureBasis(entered=("amount",))

    class Meta:
        ordering = ["-paid_on", "-pk"]
        verbose_name = "项目资金拨付"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}元"
