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
