"""Construction-project approval (高政办发〔2021〕3号): projects, stage cases, parallel reviews, clocks.

Kept small and general on purpose: a Case is one application in one stage, reviewed in parallel by
departments, decided by its lead department, timed on the working-day calendar with suspensions
while the applicant corrects (补正). Other programs' workflows can reuse the same shape.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from countyhall.core.identity import mask_name
from countyhall.core.models import Division, Organisation
from countyhall.core.models.clocks import ClockExtensionRecord, ClockNoticeRecord, ClockStop
from countyhall.core.policy.basis import FigureBasis


class Category(models.TextChoices):
    SOCIAL_INDUSTRIAL = "social_industrial", "社会投资工业类"
    SOCIAL_CIVIL = "social_civil", "社会投资民用类"
    LAND_WITH_SCHEME = "land_with_scheme", "社会投资带方案出让土地类"
    GOV_INVESTMENT = "gov_investment", "政府投资类"
    GOV_RENOVATION = "gov_renovation", "政府投资改造类"


class StageLimit(models.Model):
    """A stage's configuration entered by the program's administrator: lead, participants, items, materials, basis.
    Its limits (working days, departments' review days) are governed administered figures
    (permit.stage_limit.<category>.<stage>.*, four eyes: permits.policy); the properties read the ones in force."""

    category = models.CharField("项目类别", max_length=24, choices=Category.choices)
    stage = models.CharField("审批阶段", max_length=32)
    lead = models.ForeignKey(
        Organisation, verbose_name="牵头部门", on_delete=models.PROTECT, related_name="+"
    )
    participants = models.ManyToManyField(Organisation, verbose_name="参与部门", related_name="+", blank=True)
    basis = models.CharField("依据", max_length=200, help_text="如：县行政审批服务局印发的审批流程图")
    items = models.TextField("本阶段办理事项", blank=True, help_text="每行一项；合并办理的事项写在同一行")
    materials = models.TextField(
        "申报材料清单", blank=True, help_text="每行一种材料；前一阶段已提交的材料自动共享，不再要求重复提交"
    )

    class Meta:
        verbose_name = "阶段时限"
        verbose_name_plural = "阶段时限"
        constraints = [models.UniqueConstraint(fields=["category", "stage"], name="one_limit_per_stage")]

    def __str__(self) -> str:
        days = self.working_days
        return f"{self.get_category_display()} {self.stage} " + (
            f"{days}个工作日" if days else "（时限未录入）"
        )

    def figures_on(self, on: dt.date) -> tuple[int | None, int | None]:
        from countyhall.permits.policy import stage_figures

        return stage_figures(self.category, self.stage, on)

    @property
    def working_days(self) -> int | None:
        """The stage's limit in force today (None: not entered yet)."""
        from countyhall.core.clock import business_date

        return self.figures_on(business_date())[0]

    @property
    def review_working_days(self) -> int | None:
        from countyhall.core.clock import business_date

        return self.figures_on(business_date())[1]

    @property
    def item_list(self) -> list[str]:
        return [line.strip() for line in self.items.splitlines() if line.strip()]

    @property
    def material_list(self) -> list[str]:
        return [line.strip() for line in self.materials.splitlines() if line.strip()]


class Project(models.Model):
    code = models.CharField(
        "项目代码", max_length=40, unique=True, help_text="立项时赋予的全国统一项目代码，后续各项审批均使用"
    )
    name = models.CharField("项目名称", max_length=200)
    category = models.CharField("项目类别", max_length=24, choices=Category.choices)
    site = models.ForeignKey(Division, verbose_name="建设地点", on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(
        Organisation, verbose_name="建设单位", on_delete=models.PROTECT, related_name="projects"
    )

    class LandSupply(models.TextChoices):
        TRANSFER = "transfer", "出让"
        TRANSFER_WITH_SCHEME = "transfer_with_scheme", "带方案出让"
        ALLOCATION = "allocation", "划拨"
        EXISTING = "existing", "自有用地（不新增用地）"

    land_supply = models.CharField(
        "土地供应方式", max_length=24, choices=LandSupply.choices, default=LandSupply.TRANSFER
    )
    investment = models.DecimalField("总投资（万元）", max_digits=12, decimal_places=2, null=True, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=32, blank=True)
    project_manager = models.CharField("项目负责人", max_length=32, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    in_assessed_zone = models.BooleanField("位于已实施区域评估的区域", default=False)
    # Reading C3b (二、（四）): the text merges 工程建设许可 and 施工许可 "可" for industrial projects on land sold with
    # a scheme; under the reading's alternative these two decide whether this project merges them.
    industrial = models.BooleanField(
        "工业建筑工程项目", default=False, help_text="带方案出让土地类项目填写：是否为工业建筑工程项目"
    )
    merge_elected = models.BooleanField(
        "选择“拿地即开工”（合并工程建设许可和施工许可）",
        default=True,
        help_text="带方案出让土地的工业项目可选择合并为一个阶段",
    )
    fees_paid_on = models.DateField(
        "建设规费缴清日期", null=True, blank=True, help_text="施工许可核验缴费凭证"
    )
    fees_proof = models.CharField("缴费凭证号", max_length=60, blank=True)
    # C12 (35号): residential projects provide community elderly-care rooms, checked at scheme review and
    # acceptance, and hand them to 民政 within three months of completion filing.
    households = models.PositiveIntegerField("住宅户数", null=True, blank=True, help_text="住宅项目填写")
    in_area_completed_before_2014_06 = models.BooleanField("位于2014年6月前竣工的老旧小区", default=False)
    elderly_room_m2 = models.DecimalField(
        "社区养老服务用房面积（平方米）", max_digits=8, decimal_places=2, null=True, blank=True
    )
    completion_filed_on = models.DateField("竣工验收备案日期", null=True, blank=True)
    elderly_room_handed_over_on = models.DateField("养老服务用房移交民政日期", null=True, blank=True)
    registered_at = models.DateTimeField(auto_now_add=True)

    # 法定代表人 and 项目负责人 are named persons: the audit log keeps their names masked.
    AUDIT_MASKED_FIELDS = {"legal_representative": mask_name, "project_manager": mask_name}

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(entered=("investment", "elderly_room_m2"))

    class Meta:
        verbose_name = "工程建设项目"
        verbose_name_plural = "工程建设项目"
        ordering = ["-registered_at"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def investment_type(self) -> str:
        return "政府投资" if self.category.startswith("gov_") else "社会投资"


class Case(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已申报待受理"
        IN_REVIEW = "in_review", "并联审查中"
        AWAITING_APPLICANT = "awaiting_applicant", "待申请人补正（停止计时）"
        APPROVED = "approved", "准予许可"
        REFUSED = "refused", "不予许可"
        REVOKED = "revoked", "撤销许可（未履行承诺）"
        # The window's answers before acceptance: returned to complete the materials (the firm applies again on
        # the same case), or refused acceptance (不予受理) with the reason; either is told to the firm.
        RETURNED = "returned", "退回补齐材料"
        NOT_ACCEPTED = "not_accepted", "不予受理"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="cases")
    stage = models.CharField("审批阶段", max_length=32)
    stage_order = models.PositiveSmallIntegerField()
    lead = models.ForeignKey(
        Organisation, verbose_name="牵头部门", on_delete=models.PROTECT, related_name="+"
    )
    applied_on = models.DateField("申报日期", null=True, blank=True)
    accepted_on = models.DateField("受理日期", null=True, blank=True, help_text="受理当日不计入时限")
    working_days = models.PositiveIntegerField("阶段时限（工作日）")
    review_working_days = models.PositiveIntegerField(
        "部门审查时限（工作日）", null=True, blank=True, help_text="为空时与阶段时限相同"
    )
    applicant_listed = models.BooleanField(
        "申请人在失信名单内", default=False, help_text="受理时建设单位在失信名单内：提示所有审查部门"
    )
    status = models.CharField("状态", max_length=24, choices=Status.choices, default=Status.IN_REVIEW)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decision_reasons = models.TextField("决定理由", blank=True)
    decision_number = models.CharField("决定书编号", max_length=40, blank=True)
    intake_reason = models.TextField("退回或不予受理的理由", blank=True)
    intake_answered_on = models.DateField("退回或不予受理日期", null=True, blank=True)
    # The limits' basis (issue 13): {"readings": {"C3": answer}, "changes": [PolicyChange ids], "parameters":
    # {permit.stage_limit.…: first day of the value}} as taken on the application day (or applied by a change).
    policy_basis = models.JSONField("政策依据（解读与变更）", default=dict, blank=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(
        computed=("working_days", "review_working_days"),
        basis="policy_basis",
        note="the stage limits in force on the application day and C3",
    )

    class Meta:
        verbose_name = "审批事项"
        verbose_name_plural = "审批事项"
        ordering = ["project", "stage_order"]
        constraints = [
            models.UniqueConstraint(fields=["project", "stage"], name="one_case_per_stage"),
            models.UniqueConstraint(
                fields=["decision_number"],
                condition=~models.Q(decision_number=""),
                name="one_decision_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.stage}"


class ProjectCorrection(models.Model):
    """One corrected field of a project: never erased, the old value kept beside the new with the reason."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField("字段", max_length=40)
    label = models.CharField("项目", max_length=40)
    old = models.TextField("原值", blank=True)
    new = models.TextField("新值", blank=True)
    reason = models.CharField("更正理由", max_length=300)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField("更正时间")

    class Meta:
        verbose_name = "项目信息更正"
        verbose_name_plural = "项目信息更正"
        ordering = ["-corrected_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.label}：{self.old} → {self.new}"


class Review(models.Model):
    class Opinion(models.TextChoices):
        PENDING = "pending", "待审查"
        APPROVE = "approve", "同意"
        APPROVE_WITH_CONDITIONS = "approve_with_conditions", "附条件同意"
        REQUEST_CORRECTION = "request_correction", "需补正"
        REFUSE = "refuse", "不同意"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reviews")
    department = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    opinion = models.CharField("意见", max_length=32, choices=Opinion.choices, default=Opinion.PENDING)
    reasons = models.TextField("理由", blank=True)
    decided_on = models.DateField("日期", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attachment = models.FileField("附件", upload_to="permits/opinions/%Y/", blank=True)

    class Meta:
        verbose_name = "部门意见"
        verbose_name_plural = "部门意见"
        constraints = [
            models.UniqueConstraint(fields=["case", "department"], name="one_review_per_department")
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.get_opinion_display()}"


class Suspension(ClockStop):
    """The clock stops while the case waits on the applicant (C3's reading); both ends do not count."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suspensions")

    class Meta:
        verbose_name = "停止计时"
        verbose_name_plural = "停止计时"
        ordering = ["case", "start"]


class Commitment(models.Model):
    """告知承诺 (C8): an approval granted on the applicant's commitment, checked afterwards."""

    class Area(models.TextChoices):
        GENERAL = "general", "一般事项"
        PUBLIC_SAFETY = "public_safety", "公共安全"
        ECOLOGY = "ecology", "生态环境保护"
        HEALTH = "health", "人身健康、生命财产安全"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="commitments")
    item = models.CharField("承诺事项", max_length=200)
    area = models.CharField("涉及领域", max_length=16, choices=Area.choices, default=Area.GENERAL)
    committed_on = models.DateField("承诺日期")
    check_due = models.DateField("核查期限")
    checked_on = models.DateField("核查日期", null=True, blank=True)
    kept = models.BooleanField("履行承诺", null=True)
    findings = models.TextField("核查意见", blank=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(entered=("check_due",))

    class Meta:
        verbose_name = "告知承诺"
        verbose_name_plural = "告知承诺"
        ordering = ["check_due"]

    def __str__(self) -> str:
        return self.item


class CreditRecord(models.Model):
    """C10: firms and practitioners on the blacklist, for joint punishment."""

    class Reason(models.TextChoices):
        VIOLATION = "violation", "违法违规"
        BROKEN_COMMITMENT = "broken_commitment", "不履行承诺"
        UNPAID_WAGES = "unpaid_wages", "拖欠农民工工资"

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_records"
    )
    practitioner = models.CharField("从业人员", max_length=64, blank=True)
    reason = models.CharField("原因", max_length=24, choices=Reason.choices)
    detail = models.TextField("情况")
    source = models.CharField(
        "认定部门或信息来源",
        max_length=100,
        blank=True,
        help_text="如：县人力资源和社会保障局认定、信用中国（山东）",
    )
    listed_on = models.DateField("列入日期")
    until = models.DateField("移出日期", null=True, blank=True)

    class Meta:
        verbose_name = "失信记录"
        verbose_name_plural = "失信记录"
        ordering = ["-listed_on"]

    # A listed practitioner is a named person: masked in the audit log, like a resident's name.
    AUDIT_MASKED_FIELDS = {"practitioner": mask_name}

    def __str__(self) -> str:
        return f"{self.organisation or self.practitioner} {self.get_reason_display()}"

    def audit_repr(self) -> str:
        return f"{self.organisation or mask_name(self.practitioner)} {self.get_reason_display()}"


class ProjectAssessment(models.Model):
    """An assessment done for a project (环评, 地震安全性评价 …), checked before the stage that needs it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assessments")
    kind = models.CharField("评估事项", max_length=32)
    completed_on = models.DateField("完成日期")
    reference = models.CharField("批复或报告文号", max_length=100)

    class Meta:
        verbose_name = "评估评价"
        verbose_name_plural = "评估评价"
        constraints = [models.UniqueConstraint(fields=["project", "kind"], name="one_assessment_kind")]

    def __str__(self) -> str:
        return self.kind


class Material(models.Model):
    """One document of the applicant's materials. Given once per project and shared by every later stage (C9)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField("材料名称", max_length=100)
    file = models.FileField("文件", upload_to="permits/materials/%Y/")
    first_case = models.ForeignKey(
        Case,
        verbose_name="首次提交的阶段",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveSmallIntegerField("版本", default=1, help_text="补正时提交新版本，旧版本保留")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "申报材料"
        verbose_name_plural = "申报材料"
        ordering = ["project", "name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name", "version"], name="one_material_version")
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"


class Extension(ClockExtensionRecord):
    """More working days for a case: needs a reason and an approver other than the one who asks."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(entered=("working_days",))

    class Meta:
        verbose_name = "延期"
        verbose_name_plural = "延期"
        ordering = ["case", "requested_on"]


class CaseNote(models.Model):
    """A note on a case. Internal notes are for staff only; the rest are messages the applicant reads."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField("内容")
    internal = models.BooleanField("内部备注（申请人不可见）", default=True)
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "办理备注"
        verbose_name_plural = "办理备注"
        ordering = ["case", "written_at"]

    def __str__(self) -> str:
        return self.text[:30]


class ClockNotice(ClockNoticeRecord):
    """A reminder before a deadline, or an escalation once it has passed; one of each per clock: the case's
    (review empty) or a department's (its review)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(computed=("due",), via="case", note="the case's clock")

    class Meta:
        verbose_name = "时限提醒"
        verbose_name_plural = "时限提醒"
        ordering = ["-created_on", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "organisation"],
                condition=models.Q(review__isnull=True),
                name="one_case_notice",
            ),
            models.UniqueConstraint(
                fields=["review", "kind", "organisation"],
                condition=models.Q(review__isnull=False),
                name="one_review_notice",
            ),
        ]


class ElderlyCareStep(models.Model):
    """35号 一、（一）1–2: before the design scheme of a residential project is reviewed, 县民政部门 and the town
    (所在镇办) are consulted in writing; both are invited to its completion acceptance. One row per party and step,
    recorded by the department that holds the stage; the stage's approval waits for both."""

    class Kind(models.TextChoices):
        SCHEME_CONSULTATION = "scheme_consultation", "设计方案审查前书面征求意见"
        ACCEPTANCE_INVITATION = "acceptance_invitation", "邀请参与竣工验收"

    class Party(models.TextChoices):
        CIVIL_AFFAIRS = "civil_affairs", "县民政部门"
        TOWN = "town", "所在镇办"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="elderly_care_steps")
    kind = models.CharField("事项", max_length=24, choices=Kind.choices)
    party = models.CharField("对象", max_length=16, choices=Party.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name="单位", on_delete=models.PROTECT, related_name="+"
    )
    sent_on = models.DateField("书面征求或邀请日期")
    reference = models.CharField("函件文号或通知编号", max_length=100)
    answered_on = models.DateField("回复或参加日期", null=True, blank=True)
    opinion = models.TextField("意见", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "养老服务设施征求意见与验收邀请"
        verbose_name_plural = "养老服务设施征求意见与验收邀请"
        ordering = ["project", "kind", "party"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "party"], name="one_elderly_care_step")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.organisation}"


class ProgressReport(models.Model):
    """C11: each lead department reports its progress to the reform office before the 25th of each month."""

    lead = models.ForeignKey(
        Organisation, verbose_name="牵头部门", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月")
    submitted_on = models.DateField("报送日期")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    late = models.BooleanField("逾期报送")
    summary = models.JSONField("进展情况汇总")
    remarks = models.TextField("说明", blank=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(computed=("late",), basis="summary", note="summary.policy_basis: C11")

    class Meta:
        verbose_name = "月度进展报告"
        verbose_name_plural = "月度进展报告"
        ordering = ["-year", "-month", "lead"]
        constraints = [models.UniqueConstraint(fields=["lead", "year", "month"], name="one_report_per_month")]

    def __str__(self) -> str:
        return f"{self.lead} {self.year}年{self.month}月"
