"""Construction-project approval (高政办发〔2021〕3号): projects, stage cases, parallel reviews, clocks.

Kept small and general on purpose: a Case is one application in one stage, reviewed in parallel by
departments, decided by its lead department, timed on the working-day calendar with suspensions
while the applicant corrects (补正). Other programs' workflows can reuse the same shape.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from countyhall.core.models import Division, Organisation


class Category(models.TextChoices):
    SOCIAL_INDUSTRIAL = "social_industrial", "社会投资工业类"
    SOCIAL_CIVIL = "social_civil", "社会投资民用类"
    LAND_WITH_SCHEME = "land_with_scheme", "社会投资带方案出让土地类"
    GOV_INVESTMENT = "gov_investment", "政府投资类"
    GOV_RENOVATION = "gov_renovation", "政府投资改造类"


class StageLimit(models.Model):
    """An administrator's per-stage limit (the flow charts were not printed); stages may not exceed the total."""

    category = models.CharField("项目类别", max_length=24, choices=Category.choices)
    stage = models.CharField("审批阶段", max_length=32)
    working_days = models.PositiveIntegerField("阶段时限（工作日）")
    lead = models.ForeignKey(Organisation, verbose_name="牵头部门", on_delete=models.PROTECT, related_name="+")
    participants = models.ManyToManyField(Organisation, verbose_name="参与部门", related_name="+", blank=True)
    basis = models.CharField("依据", max_length=200, help_text="如：县行政审批服务局印发的审批流程图")

    class Meta:
        verbose_name = "阶段时限"
        verbose_name_plural = "阶段时限"
        constraints = [models.UniqueConstraint(fields=["category", "stage"], name="one_limit_per_stage")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.stage} {self.working_days}个工作日"


class Project(models.Model):
    code = models.CharField("项目代码", max_length=40, unique=True,
                            help_text="立项时赋予的全国统一项目代码，后续各项审批均使用（C5）")
    name = models.CharField("项目名称", max_length=200)
    category = models.CharField("项目类别", max_length=24, choices=Category.choices)
    site = models.ForeignKey(Division, verbose_name="建设地点", on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(Organisation, verbose_name="建设单位", on_delete=models.PROTECT,
                                  related_name="projects")
    in_assessed_zone = models.BooleanField("位于已实施区域评估的区域", default=False)
    fees_paid_on = models.DateField("建设规费缴清日期", null=True, blank=True,
                                    help_text="施工许可核验缴费凭证（C4）")
    fees_proof = models.CharField("缴费凭证号", max_length=60, blank=True)
    # C12 (35号): residential projects provide community elderly-care rooms, checked at scheme review and
    # acceptance, and hand them to 民政 within three months of completion filing.
    households = models.PositiveIntegerField("住宅户数", null=True, blank=True, help_text="住宅项目填写")
    in_area_completed_before_2014_06 = models.BooleanField("位于2014年6月前竣工的老旧小区", default=False)
    elderly_room_m2 = models.DecimalField("社区养老服务用房面积（平方米）", max_digits=8, decimal_places=2,
                                          null=True, blank=True)
    completion_filed_on = models.DateField("竣工验收备案日期", null=True, blank=True)
    elderly_room_handed_over_on = models.DateField("养老服务用房移交民政日期", null=True, blank=True)
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "工程建设项目"
        verbose_name_plural = "工程建设项目"
        ordering = ["-registered_at"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Case(models.Model):
    class Status(models.TextChoices):
        IN_REVIEW = "in_review", "并联审查中"
        AWAITING_APPLICANT = "awaiting_applicant", "待申请人补正（停止计时）"
        APPROVED = "approved", "准予许可"
        REFUSED = "refused", "不予许可"
        REVOKED = "revoked", "撤销许可（未履行承诺）"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="cases")
    stage = models.CharField("审批阶段", max_length=32)
    stage_order = models.PositiveSmallIntegerField()
    lead = models.ForeignKey(Organisation, verbose_name="牵头部门", on_delete=models.PROTECT, related_name="+")
    accepted_on = models.DateField("受理日期")
    working_days = models.PositiveIntegerField("阶段时限（工作日）")
    status = models.CharField("状态", max_length=24, choices=Status.choices, default=Status.IN_REVIEW)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decision_reasons = models.TextField("决定理由", blank=True)

    class Meta:
        verbose_name = "审批事项"
        verbose_name_plural = "审批事项"
        ordering = ["project", "stage_order"]
        constraints = [models.UniqueConstraint(fields=["project", "stage"], name="one_case_per_stage")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.stage}"


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
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = "部门意见"
        verbose_name_plural = "部门意见"
        constraints = [models.UniqueConstraint(fields=["case", "department"], name="one_review_per_department")]

    def __str__(self) -> str:
        return f"{self.department} {self.get_opinion_display()}"


class Suspension(models.Model):
    """The clock stops while the case waits on the applicant (C3's reading); both ends do not count."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suspensions")
    start = models.DateField("停止计时")
    end = models.DateField("恢复计时前一日", null=True, blank=True)
    reason = models.CharField("原因", max_length=300)

    class Meta:
        verbose_name = "停止计时"
        verbose_name_plural = "停止计时"
        ordering = ["case", "start"]

    def __str__(self) -> str:
        return f"{self.start}—{self.end or ''}"


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

    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="credit_records")
    practitioner = models.CharField("从业人员", max_length=64, blank=True)
    reason = models.CharField("原因", max_length=24, choices=Reason.choices)
    detail = models.TextField("情况")
    listed_on = models.DateField("列入日期")
    until = models.DateField("移出日期", null=True, blank=True)

    class Meta:
        verbose_name = "失信记录"
        verbose_name_plural = "失信记录"
        ordering = ["-listed_on"]

    def __str__(self) -> str:
        return f"{self.organisation or self.practitioner} {self.get_reason_display()}"


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
