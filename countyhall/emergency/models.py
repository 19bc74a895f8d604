"""Power-generation enterprise accidents (高政办字〔2021〕34号): registers, incidents with versioned casualty
figures, reporting clocks, the response timeline, warnings (CAP 1.2) and drills."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from countyhall.core.clock import format_local
from countyhall.core.identity import mask_name
from countyhall.core.models import Division, Organisation
from countyhall.core.policy.basis import FigureBasis

LEVEL_CHOICES = [
    ("I", "I级（特别重大）"),
    ("II", "II级（重大）"),
    ("III", "III级（较大）"),
    ("IV", "IV级（一般）"),
]


class PowerEnterprise(models.Model):
    organisation = models.OneToOneField(
        Organisation, verbose_name="企业", on_delete=models.PROTECT, related_name="power_enterprise"
    )
    division = models.ForeignKey(
        Division, verbose_name="所在镇（办）", on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    capacity_mw = models.DecimalField(
        "装机容量（兆瓦）", max_digits=9, decimal_places=2, null=True, blank=True
    )
    principal = models.CharField("主要负责人", max_length=32, blank=True)

    # Named persons are stored masked in the audit log (docs/security.md).
    AUDIT_MASKED_FIELDS = {"principal": mask_name}
    duty_phone = models.CharField("值班电话", max_length=32, blank=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(entered=("capacity_mw",))

    class Meta:
        verbose_name = "发电企业"
        verbose_name_plural = "发电企业"
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return self.organisation.name


class HazardSource(models.Model):
    """A major hazard source the enterprise has assessed (3.1, 《重大危险源监控制度》)."""

    enterprise = models.ForeignKey(PowerEnterprise, on_delete=models.CASCADE, related_name="hazards")
    name = models.CharField("危险源", max_length=100)
    grade = models.CharField("等级", max_length=16, blank=True)
    measures = models.TextField("管控措施", blank=True)
    assessed_on = models.DateField("评估日期", null=True, blank=True)

    class Meta:
        verbose_name = "重大危险源"
        verbose_name_plural = "重大危险源"

    def __str__(self) -> str:
        return self.name


class DutyOffice(models.Model):
    """A duty office or contact to be notified (E2): its name must match the recipients the rules name."""

    class Tier(models.TextChoices):
        COUNTY = "county", "县级"
        CITY = "city", "市级"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=64, unique=True)
    tier = models.CharField("层级", max_length=8, choices=Tier.choices)
    phone = models.CharField("电话", max_length=32, blank=True)
    fax = models.CharField("传真", max_length=32, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    mobile = models.CharField("值班手机（短信）", max_length=20, blank=True)

    class Meta:
        verbose_name = "值班室与报告对象"
        verbose_name_plural = "值班室与报告对象"
        ordering = ["tier", "name"]

    def __str__(self) -> str:
        return self.name


class CommandPost(models.Model):
    """A position in the command structure of E6: commander, deputies, member units, the office."""

    class Kind(models.TextChoices):
        COMMANDER = "commander", "总指挥"
        DEPUTY = "deputy", "副总指挥"
        MEMBER = "member", "成员单位"
        OFFICE = "office", "指挥部办公室"
        ONSITE = "onsite", "现场指挥部"

    kind = models.CharField("类别", max_length=12, choices=Kind.choices)
    title = models.CharField("职务或单位", max_length=100)
    holder = models.CharField("担任人", max_length=64, blank=True, help_text="由管理员按实际任职录入")

    AUDIT_MASKED_FIELDS = {"holder": mask_name}
    duties = models.TextField("职责", blank=True)
    citation_line = models.PositiveIntegerField("公报行号", null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "指挥体系"
        verbose_name_plural = "指挥体系"
        ordering = ["kind", "order"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.title}"


class WorkingGroup(models.Model):
    """One of the eight working groups of 2.1.4, with its lead and member units."""

    name = models.CharField("工作组", max_length=32, unique=True)
    lead_units = models.CharField("牵头单位", max_length=200)
    member_units = models.CharField("成员单位", max_length=300, blank=True)
    duties = models.TextField("职责")
    citation_line = models.PositiveIntegerField("公报行号", null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "工作组"
        verbose_name_plural = "工作组"
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class Expert(models.Model):
    name = models.CharField("姓名", max_length=32)
    speciality = models.CharField("专业", max_length=64)
    employer = models.CharField("工作单位", max_length=100, blank=True)
    phone = models.CharField("电话", max_length=32, blank=True)

    class Meta:
        verbose_name = "专家"
        verbose_name_plural = "专家"
        ordering = ["speciality", "name"]

    # Experts are named persons with a phone number: the audit log keeps the name masked.
    AUDIT_MASKED_FIELDS = {"name": mask_name}

    def __str__(self) -> str:
        return f"{self.name}（{self.speciality}）"

    def audit_repr(self) -> str:
        return f"{mask_name(self.name)}（{self.speciality}）"


class Incident(models.Model):
    class Kind(models.TextChoices):
        # E5 (3.1): the seven accident types.
        EQUIPMENT = "equipment", "电厂主设备损坏事故"
        SPECIAL_EQUIPMENT = "special_equipment", "电厂特种设备事故"
        FIRE = "fire", "重大火灾事故"
        LEAK = "leak", "氨水罐泄漏、液氨泄漏、酸碱泄漏事故"
        HYDROGEN = "hydrogen", "氢系统泄漏爆炸事故"
        BLACKOUT = "blackout", "发电厂全厂停电事故"
        DAM = "dam", "电厂溃坝事故"

    class Status(models.TextChoices):
        REPORTED = "reported", "已报告"
        RESPONDING = "responding", "应急响应中"
        ENDED = "ended", "应急结束"

    enterprise = models.ForeignKey(
        PowerEnterprise, verbose_name="事故发生单位", on_delete=models.PROTECT, related_name="incidents"
    )
    kind = models.CharField("事故类型", max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField("事故发生时间")
    place = models.CharField("事故地点", max_length=200)
    # E3 (3.3): the content of a report; each is required before the written report can be sent.
    unit_overview = models.TextField("事故发生单位概况", blank=True)
    scene = models.TextField("事故现场情况", blank=True)
    course = models.TextField("事故简要经过", blank=True)
    measures = models.TextField("已经采取的措施", blank=True)
    other = models.TextField("其他应当报告的情况", blank=True)
    reported_by = models.ForeignKey(
        Organisation, verbose_name="报告单位", on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField("接报时间")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.REPORTED)
    level = models.CharField("响应等级", max_length=4, choices=LEVEL_CHOICES)
    response_started_at = models.DateTimeField("启动响应时间", null=True, blank=True)
    response_started_by = models.CharField("决定启动响应", max_length=64, blank=True)
    response_level = models.CharField(
        "已决定的响应等级",
        max_length=4,
        choices=LEVEL_CHOICES,
        blank=True,
        help_text="等级升高后须再次决定按新等级响应",
    )
    onsite_hq = models.CharField("现场指挥部", max_length=200, blank=True, help_text="地点与总指挥")
    ended_at = models.DateTimeField("应急结束时间", null=True, blank=True)
    ended_by = models.CharField("批准结束的总指挥", max_length=64, blank=True)

    AUDIT_MASKED_FIELDS = {"response_started_by": mask_name, "ended_by": mask_name}
    # E7 (6.1–6.2): the evaluation report and the investigation record.
    evaluation_cause = models.TextField("事件发生原因和经过", blank=True)
    evaluation_losses = models.TextField("直接损失和影响", blank=True)
    evaluation_handling = models.TextField("处置过程", blank=True)
    evaluation_lessons = models.TextField("经验教训", blank=True)
    evaluation_suggestions = models.TextField("改进建议", blank=True)
    investigation = models.TextField("事故调查记录", blank=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(
        computed=("level",), via="figures", entered=("response_level",), note="its latest casualty figures"
    )

    class Meta:
        verbose_name = "生产安全事故"
        verbose_name_plural = "生产安全事故"
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_kind_display()}（{format_local(self.occurred_at)}）"


class CasualtyFigures(models.Model):
    """One version of the casualty figures; every update is a new row, the newest is current."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="figures")
    version = models.PositiveSmallIntegerField("版本")
    deaths = models.PositiveIntegerField("死亡")
    missing = models.PositiveIntegerField("失踪（下落不明）")
    injured = models.PositiveIntegerField("中毒、重伤")
    especially_major_impact = models.BooleanField("社会影响特别重大", default=False)
    direct_loss_yuan = models.DecimalField(
        "初步估计直接经济损失（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    level = models.CharField("据此计算的响应等级", max_length=4, choices=LEVEL_CHOICES)
    citations = models.JSONField(default=list)
    readings = models.JSONField(default=list)
    # "why this level": the answer of each reading applied (E1: missing persons as deaths) and the approved
    # governed-policy changes behind them.
    policy_basis = models.JSONField("政策依据（解读与变更）", default=dict, blank=True)
    recorded_at = models.DateTimeField("更新时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(
        computed=("level",),
        basis="policy_basis",
        entered=("direct_loss_yuan",),
        note="emergency.response_level (E1)",
    )

    class Meta:
        verbose_name = "伤亡情况"
        verbose_name_plural = "伤亡情况"
        ordering = ["incident", "-version"]
        constraints = [models.UniqueConstraint(fields=["incident", "version"], name="one_figures_version")]

    def __str__(self) -> str:
        return f"第{self.version}版：死亡{self.deaths} 失踪{self.missing} 重伤{self.injured}"


class ReportDeadline(models.Model):
    """An E2 report owed from the moment of the accident, or the answer to a verification request."""

    class Kind(models.TextChoices):
        PHONE_COUNTY = "phone_county", "电话报告（县级）"
        PHONE_CITY = "phone_city", "电话报告（市级）"
        WRITTEN_INITIAL = "written_initial", "书面报告初步核实概况"
        WRITTEN_ACCIDENT = "written_accident", "事故书面报告"
        VERIFY_PHONE = "verify_phone", "核报：电话反馈"
        VERIFY_WRITTEN = "verify_written", "核报：书面反馈"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField("报告", max_length=20, choices=Kind.choices)
    due_at = models.DateTimeField("时限")
    recipients = models.JSONField("报告对象", default=list)
    requested_by = models.CharField("核报要求方", max_length=64, blank=True)
    request_text = models.TextField("核报内容", blank=True)
    requested_at = models.DateTimeField("核报要求时间", null=True, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reported_to = models.CharField("报告给（接报人）", max_length=200, blank=True)
    note = models.TextField("说明", blank=True)
    citation = models.JSONField(default=dict)
    # What the deadline and its recipients were computed under (issue 13): E2's answer, changes, parameter versions.
    policy_basis = models.JSONField("政策依据（解读与变更）", default=dict, blank=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(
        computed=("due_at", "recipients"),
        basis="policy_basis",
        note="emergency.report_deadlines (E2) or the verification terms",
    )

    class Meta:
        verbose_name = "报告时限"
        verbose_name_plural = "报告时限"
        ordering = ["incident", "due_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {format_local(self.due_at, '%H:%M')}"

    @property
    def late(self) -> bool:
        return self.done_at is not None and self.done_at > self.due_at


class TimelineEntry(models.Model):
    """The response log: level changes, working groups, tasks, situation reports (续报), decisions."""

    class Kind(models.TextChoices):
        REPORT = "report", "接报"
        FIGURES = "figures", "伤亡更新"
        LEVEL = "level", "响应等级"
        RESPONSE = "response", "启动响应"
        GROUP = "group", "工作组"
        TASK = "task", "任务"
        SITUATION = "situation", "续报"
        ONSITE = "onsite", "现场指挥部"
        DEADLINE = "deadline", "报告"
        END = "end", "应急结束"
        EVALUATION = "evaluation", "评估与调查"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField("类别", max_length=12, choices=Kind.choices)
    at = models.DateTimeField("时间")
    text = models.TextField("内容")
    group = models.ForeignKey(WorkingGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    task_done_at = models.DateTimeField("任务完成时间", null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "处置记录"
        verbose_name_plural = "处置记录"
        ordering = ["incident", "at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class GroupActivation(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="activations")
    group = models.ForeignKey(WorkingGroup, on_delete=models.PROTECT, related_name="+")
    activated_at = models.DateTimeField("启动时间")
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "工作组启动"
        verbose_name_plural = "工作组启动"
        constraints = [models.UniqueConstraint(fields=["incident", "group"], name="one_activation_per_group")]

    def __str__(self) -> str:
        return f"{self.group} {format_local(self.activated_at, '%H:%M')}"


class Warning(models.Model):  # noqa: A001 - the domain's word (预警)
    """A warning of level I–IV (E4). Updates and cancellations are new rows referring to the one they change,
    as CAP 1.2 does (msgType Update/Cancel with references)."""

    class MsgType(models.TextChoices):
        ALERT = "Alert", "发布"
        UPDATE = "Update", "更新"
        CANCEL = "Cancel", "解除"

    identifier = models.CharField("标识", max_length=100, unique=True)
    msg_type = models.CharField("类型", max_length=8, choices=MsgType.choices)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="successors"
    )
    enterprise = models.ForeignKey(
        PowerEnterprise, null=True, blank=True, on_delete=models.PROTECT, related_name="warnings"
    )
    level = models.CharField("预警等级", max_length=4, choices=LEVEL_CHOICES)
    colour = models.CharField("颜色", max_length=4)
    event = models.CharField("事件", max_length=100)
    headline = models.CharField("标题", max_length=200)
    description = models.TextField("内容")
    instruction = models.TextField("防御指引", blank=True)
    area = models.CharField("区域", max_length=200)
    urgency = models.CharField("紧急程度（CAP urgency）", max_length=12, default="Expected")
    certainty = models.CharField("确定性（CAP certainty）", max_length=12, default="Likely")
    sent_at = models.DateTimeField("发布时间")
    expires_at = models.DateTimeField("失效时间", null=True, blank=True)
    sender_name = models.CharField("发布单位", max_length=100)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(entered=("level", "expires_at"))

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.get_level_display()}{self.colour}预警 {self.headline}"


class Drill(models.Model):
    """E8: each enterprise holds at least two drills a year."""

    enterprise = models.ForeignKey(PowerEnterprise, on_delete=models.PROTECT, related_name="drills")
    held_on = models.DateField("演练日期")
    scenario = models.CharField("演练科目", max_length=200)
    participants = models.PositiveIntegerField("参演人数", null=True, blank=True)
    summary = models.TextField("总结", blank=True)

    class Meta:
        verbose_name = "应急演练"
        verbose_name_plural = "应急演练"
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.held_on} {self.scenario}"
