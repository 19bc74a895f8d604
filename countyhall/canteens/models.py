"""The 助餐服务系统 of 高政办发〔2021〕2号: facilities, elders, lunches, settlements, evaluations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from countyhall.core.identity import mask_id_number, mask_name
from countyhall.core.models import Division, Organisation, Person
from countyhall.core.policy.basis import FigureBasis

MONEY = {"max_digits": 12, "decimal_places": 2}


class Facility(models.Model):
    class Kind(models.TextChoices):
        CANTEEN = "canteen", "长者食堂"
        SERVICE_POINT = "service_point", "长者助餐服务点"

    class Model(models.TextChoices):
        # A3, L1019–1068
        HAPPINESS_HOME = "happiness_home", "农村幸福院+长者食堂+照护服务点"
        DAY_CARE = "day_care", "日间照料中心+长者食堂"
        RESTAURANT = "restaurant", "餐饮企业+长者食堂助餐服务点"
        SERVICE_POINT = "service_point", "长者助餐服务点（无厨房，集体用餐配送）"
        VILLAGE_SELF_BUILT = "village_self_built", "村（居）自行建设"

    class Setting(models.TextChoices):
        RURAL = "rural", "农村"
        COMMUNITY = "community", "城市社区"

    class OperatorKind(models.TextChoices):
        CARE_ORG = "care_org", "照护服务组织"
        VILLAGE_COMMITTEE = "village_committee", "村（居）委员会"
        ENTERPRISE = "enterprise", "餐饮企业"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        DRAFT = "draft", "登记中"
        TOWN_REVIEW = "town_review", "待镇（街道）审核"
        COUNTY_EVALUATION = "county_evaluation", "待县民政、市场监管评估"
        FILED = "filed", "已备案"
        REJECTED = "rejected", "未通过"
        REVOKED = "revoked", "已取消资质"

    name = models.CharField(
        "名称", max_length=100, unique=True, help_text="xxx镇（街道办）xxx村（社区）长者食堂 / 长者助餐服务点"
    )
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    model = models.CharField("建设模式", max_length=24, choices=Model.choices)
    setting = models.CharField("城乡", max_length=16, choices=Setting.choices)
    operator = models.ForeignKey(
        Organisation, verbose_name="运营方", on_delete=models.PROTECT, related_name="canteen_facilities"
    )
    operator_kind = models.CharField("运营方类型", max_length=24, choices=OperatorKind.choices)
    division = models.ForeignKey(
        Division, verbose_name="所在自然村/社区", on_delete=models.PROTECT, related_name="canteen_facilities"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    area_m2 = models.DecimalField("建筑面积（平方米）", max_digits=8, decimal_places=1, null=True, blank=True)
    seats = models.PositiveIntegerField("同时就餐座位数", null=True, blank=True)
    food_licence_no = models.CharField("食品经营许可证编号", max_length=40, blank=True)
    food_licence_expiry = models.DateField("许可证有效期至", null=True, blank=True)
    meal_supplier = models.CharField(
        "集体用餐配送单位", max_length=100, blank=True, help_text="助餐服务点无厨房，由配送单位供餐"
    )
    lunch_price = models.DecimalField("午餐价格（元）", **MONEY)
    service_start = models.DateField("开始助餐服务日期", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    filed_on = models.DateField("备案日期", null=True, blank=True)
    revoked_on = models.DateField("取消资质日期", null=True, blank=True)
    revoke_reason = models.CharField("取消原因", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(entered=("area_m2", "lunch_price"))

    class Meta:
        verbose_name = "长者助餐服务机构"
        verbose_name_plural = "长者助餐服务机构"
        ordering = ["division__path", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("canteens:facility", args=[self.pk])


class FacilityStaff(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField("姓名", max_length=32)
    handles_food = models.BooleanField("直接接触食品", default=True)
    health_certificate_no = models.CharField("健康证明编号", max_length=40, blank=True)
    health_certificate_expiry = models.DateField("健康证明有效期至", null=True, blank=True)

    # The audit log keeps staff names masked, like every person's name (core.services.audit.model_snapshot).
    AUDIT_MASKED_FIELDS = {"name": mask_name}

    class Meta:
        verbose_name = "从业人员"
        verbose_name_plural = "从业人员"
        ordering = ["facility", "name"]

    def __str__(self) -> str:
        return self.name

    def audit_repr(self) -> str:
        return f"从业人员 {mask_name(self.name)}"


class FilingStep(models.Model):
    """One decision in the filing workflow of A4 (L1071–1086): who decided what, when."""

    class Step(models.TextChoices):
        SUBMIT = "submit", "提交备案申请"
        TOWN_REVIEW = "town_review", "镇（街道）审核"
        CIVIL_AFFAIRS = "civil_affairs", "县民政局评估"
        MARKET_REGULATION = "market_regulation", "县市场监管局评估"
        FILED = "filed", "备案为高青县长者助餐服务机构"
        REVOKED = "revoked", "取消运营资质"

    class Decision(models.TextChoices):
        SUBMITTED = "submitted", "已提交"
        APPROVED = "approved", "同意"
        REJECTED = "rejected", "不同意"

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="filing_steps")
    step = models.CharField("环节", max_length=24, choices=Step.choices)
    decision = models.CharField("意见", max_length=16, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by_label = models.CharField("经办人（记录时）", max_length=64)
    decided_on = models.DateField("日期")
    note = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "备案环节"
        verbose_name_plural = "备案环节"
        ordering = ["facility", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.get_decision_display()}"


class WeeklyMenu(models.Model):
    """A5: the week's menu is set in advance and published (L1169)."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="menus")
    week_start = models.DateField("周一日期")
    items = models.JSONField("菜单", help_text="{'mon': '…', 'tue': '…', …}")
    published_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "每周食谱"
        verbose_name_plural = "每周食谱"
        ordering = ["facility", "-week_start"]
        constraints = [models.UniqueConstraint(fields=["facility", "week_start"], name="one_menu_per_week")]

    def __str__(self) -> str:
        return f"{self.week_start} 食谱"


class Elder(models.Model):
    """An elder of the 助餐 system: a core Person plus 户籍, card and the dates that end eligibility."""

    person = models.OneToOneField(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="elder")
    gaoqing_hukou = models.BooleanField(
        "高青县户籍", default=True, help_text="户籍单独登记：身份证号的地区码是出生登记地，不是现户籍。"
    )
    card_number = models.CharField("就餐卡号", max_length=32, unique=True, null=True, blank=True)
    died_on = models.DateField("死亡日期", null=True, blank=True)
    moved_away_on = models.DateField("迁出日期", null=True, blank=True)
    registered_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "助餐老人"
        verbose_name_plural = "助餐老人"
        ordering = ["person__division__path", "person__id"]

    def __str__(self) -> str:
        return f"老人 #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("canteens:elder", args=[self.pk])

    def audit_repr(self) -> str:
        """How the audit log names an elder: masked, so the trail never spreads a full name or ID number."""
        person = self.person
        return f"助餐老人 {mask_name(person.name)}（{mask_id_number(person.id_number)}）"


class ElderCorrection(models.Model):
    """One correction of an elder's record (an edit, an undone death or move): never erased, shown on the page.

    `changes` is a list of [field label, old, new] in the clerk's words; the audit row keeps them masked."""

    class Kind(models.TextChoices):
        EDIT = "edit", "修改信息"
        UNDO_DEATH = "undo_death", "撤销死亡登记"
        UNDO_MOVE = "undo_move", "撤销迁出登记"
        MARK_LEFT = "mark_left", "登记死亡或迁出"

    elder = models.ForeignKey("Elder", on_delete=models.PROTECT, related_name="corrections")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    changes = models.JSONField("变更（原 → 新）", default=list)
    reason = models.CharField("原因", max_length=300)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="经办人",
    )
    made_by_label = models.CharField("经办人（记录时）", max_length=64)
    made_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "助餐老人更正记录"
        verbose_name_plural = "助餐老人更正记录"
        ordering = ["elder", "-made_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.made_at:%Y-%m-%d}）"


class TekunStatus(models.Model):
    """特困人员认定 with its source, dates and 供养方式: only 分散供养 get the rural free lunch (五、（一）2, L1219)."""

    class Support(models.TextChoices):
        DISPERSED = "dispersed", "分散供养"
        CENTRALISED = "centralised", "集中供养"

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="tekun_periods")
    source = models.CharField("认定依据", max_length=200, help_text="如：民政部门认定文书编号")
    # Rows before this field were entered as 分散供养 (the free lunch was given to every rural 特困): the
    # migration keeps them so; a new status says which.
    support = models.CharField(
        "供养方式",
        max_length=12,
        choices=Support.choices,
        default=Support.DISPERSED,
        db_default=Support.DISPERSED,
        help_text="农村长者食堂只为分散供养特困人员提供免费午餐",
    )
    valid_from = models.DateField("起始日期")
    valid_to = models.DateField("终止日期", null=True, blank=True)

    class Meta:
        verbose_name = "特困人员认定"
        verbose_name_plural = "特困人员认定"
        ordering = ["elder", "valid_from"]

    def __str__(self) -> str:
        return f"特困认定 {self.valid_from}—{self.valid_to or ''}"


class Settlement(models.Model):
    """A facility's statement for a month or a whole year; approved by 民政 then 财政, then locked."""

    class Status(models.TextChoices):
        DRAFT = "draft", "待民政局审核"
        CIVIL_AFFAIRS_APPROVED = "civil_affairs_approved", "待财政局审核"
        LOCKED = "locked", "已审定（锁定）"

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="settlements")
    year = models.PositiveIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份", null=True, blank=True, help_text="为空表示年度结算")
    status = models.CharField("状态", max_length=24, choices=Status.choices, default=Status.DRAFT)
    lunches = models.PositiveIntegerField("午餐人次", default=0)
    free_lunches = models.PositiveIntegerField("免费午餐人次", default=0)
    city = models.DecimalField("市财政补贴", default=0, **MONEY)
    county = models.DecimalField("县财政补贴", default=0, **MONEY)
    care_fund = models.DecimalField("照护资金", default=0, **MONEY)
    operator_discount = models.DecimalField("运营方优惠", default=0, **MONEY)
    elder_paid = models.DecimalField("老人自付", default=0, **MONEY)
    unfunded = models.DecimalField("政策未明确付款方", default=0, **MONEY)
    # A10: higher-standard or personalised meals, charged to the elder separately (not subsidised).
    extra_charges = models.DecimalField("另行收费（高标准餐）", default=0, **MONEY)
    adjustments_total = models.DecimalField("调整合计（补贴）", default=0, **MONEY)
    # The readings its lunches were computed under, with the answer applied, and the policy changes behind
    # them: {"readings": {id: answer}, "changes": [PolicyChange ids]}.
    policy_basis = models.JSONField("政策依据（解读及其答案）", default=dict, blank=True)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)
    civil_affairs_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="民政局审核人",
    )
    civil_affairs_at = models.DateTimeField("民政局审核时间", null=True, blank=True)
    finance_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="财政局审核人",
    )
    finance_at = models.DateTimeField("财政局审核时间", null=True, blank=True)
    # The last send-back (民政 returns a draft to the operator, 财政 returns an approved one): kept with its
    # reason until the operator resubmits; every send-back is also an audit row.
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="退回人",
    )
    return_reason = models.CharField("退回原因", max_length=300, blank=True)
    resubmitted_at = models.DateTimeField("重新提交时间", null=True, blank=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(
        computed=(
            "city",
            "county",
            "care_fund",
            "operator_discount",
            "elder_paid",
            "unfunded",
            "extra_charges",
            "adjustments_total",
        ),
        basis="policy_basis",
        note="the union of its lunches' bases",
    )

    class Meta:
        verbose_name = "结算单"
        verbose_name_plural = "结算单"
        ordering = ["-year", "-month", "facility"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "year", "month"], name="one_monthly_settlement"),
            models.UniqueConstraint(
                fields=["facility", "year"], condition=Q(month__isnull=True), name="one_yearly_settlement"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility} {self.period_label}"

    def get_absolute_url(self) -> str:
        return reverse("canteens:settlement", args=[self.pk])

    @property
    def period_label(self) -> str:
        return f"{self.year}年{self.month}月" if self.month else f"{self.year}年度"

    @property
    def locked(self) -> bool:
        return self.status == self.Status.LOCKED

    @property
    def subsidy_total(self):
        return self.city + self.county

    @property
    def lunch_value(self):
        """The subsidised lunches as served: the six budget columns add up to it (A7's meal standard included)."""
        return (
            self.city
            + self.county
            + self.care_fund
            + self.operator_discount
            + self.elder_paid
            + self.unfunded
        )

    @property
    def served_total(self):
        """What was served: the lunches plus the higher-standard meals charged separately (A10)."""
        return self.lunch_value + self.extra_charges

    @property
    def statement_number(self) -> str:
        """The printed statement's number: year, period and the row's own id (stable, unique)."""
        return f"GQZC-{self.year}{self.month or 0:02d}-{self.pk:05d}"

    @property
    def awaiting_operator(self) -> bool:
        """Sent back and not yet resubmitted by the operator."""
        return self.returned_at is not None and (
            self.resubmitted_at is None or self.resubmitted_at < self.returned_at
        )


class Lunch(models.Model):
    """One lunch check-in, accepted or refused; never deleted. Amounts are frozen when recorded."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "已登记"
        REFUSED = "refused", "已拒绝"
        VOIDED = "voided", "已作废"

    idempotency_key = models.CharField("幂等键", max_length=80, unique=True, null=True, blank=True)
    # sha256 of (facility, identifier, meal date): a reused key replays only the same request.
    request_digest = models.CharField(max_length=64, blank=True, default="", db_default="")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="lunches")
    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="lunches", null=True, blank=True)
    presented_identifier = models.CharField("出示的证件（脱敏）", max_length=40, blank=True)
    meal_date = models.DateField("就餐日期", db_index=True)
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    # A lunch is recorded by a staff member (counter page, staff API) or by a terminal device; a
    # device has no user account, so one of the two is set.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="登记人",
        null=True,
        blank=True,
    )
    terminal = models.ForeignKey(
        "TerminalDevice",
        on_delete=models.PROTECT,
        related_name="lunches",
        verbose_name="登记终端",
        null=True,
        blank=True,
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices)
    reason_code = models.CharField("原因代码", max_length=32, blank=True)
    reason = models.CharField("原因", max_length=300, blank=True)
    # A13: one subsidised lunch per person per day, enforced by a unique key so concurrent
    # check-ins at two counters cannot both succeed. Null for refused or voided lunches.
    daily_subsidy_key = models.CharField(max_length=40, unique=True, null=True, blank=True)
    age = models.PositiveSmallIntegerField("就餐日周岁", null=True, blank=True)
    tekun = models.BooleanField("特困人员", default=False)
    free = models.BooleanField("免费", default=False)
    price = models.DecimalField("餐价", default=0, **MONEY)
    city = models.DecimalField("市财政补贴", default=0, **MONEY)
    county = models.DecimalField("县财政补贴", default=0, **MONEY)
    operator_discount = models.DecimalField("运营方优惠", default=0, **MONEY)
    care_fund = models.DecimalField("照护资金", default=0, **MONEY)
    elder_pays = models.DecimalField("老人自付", default=0, **MONEY)
    unfunded = models.DecimalField("政策未明确付款方", default=0, **MONEY)
    # A10 (L1245–1249): a higher-standard or personalised meal from the price list, charged separately; `price`
    # is the subsidised lunch as served (for a rural 分散特困 elder the meal standard), so the six budget
    # columns add up to it and price + extra_charge is what was served.
    # db_default too: bulk and raw inserts (benchmark seeding, COPY) that name no such column stay valid.
    extra_charge = models.DecimalField("另行收费", default=0, db_default=0, **MONEY)
    extra_label = models.CharField("另行收费餐品", max_length=60, blank=True, default="", db_default="")
    citations = models.JSONField("依据", default=list, blank=True)
    readings = models.JSONField("解读", default=list, blank=True)
    # {"readings": {id: answer}, "changes": [PolicyChange ids]}: the answers the amounts were computed under.
    policy_basis = models.JSONField("政策依据（解读及其答案）", default=dict, blank=True)
    settlement = models.ForeignKey(
        Settlement, null=True, blank=True, on_delete=models.PROTECT, related_name="lunch_rows"
    )
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField("作废原因", max_length=300, blank=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(
        computed=(
            "price",
            "city",
            "county",
            "operator_discount",
            "care_fund",
            "elder_pays",
            "unfunded",
            "extra_charge",
            "age",
            "free",
        ),
        basis="policy_basis",
        note="canteen.lunch at the check-in, plus A13",
    )

    class Meta:
        verbose_name = "午餐登记"
        verbose_name_plural = "午餐登记"
        ordering = ["-meal_date", "-id"]
        indexes = [
            models.Index(fields=["facility", "meal_date", "status"], name="lunch_facility_day"),
            models.Index(fields=["elder", "meal_date"], name="lunch_elder_day"),
            # One facility's lunches newest first (the lunch list of an operator or a town): migration 0004.
            models.Index(fields=["facility", "-meal_date", "-id"], name="lunch_facility_recent"),
            # The county's lunches newest first (民政's list, its keyset pages): the list's own order, so the first
            # page is an index range instead of sorting the last day's ~30,000 lunches by id (migration 0006).
            models.Index(fields=["-meal_date", "-id"], name="lunch_recent"),
        ]

    def __str__(self) -> str:
        return f"午餐 #{self.pk} {self.meal_date}"

    @property
    def recorded_by_label(self) -> str:
        if self.terminal_id:
            return f"终端 #{self.terminal_id}"
        return str(self.recorded_by) if self.recorded_by_id else ""


class LunchDay(models.Model):
    """The fraud checks' daily figure of a facility (单日就餐人次): its accepted lunches of one meal date.

    Kept by the lunch services in the transaction that records or voids a lunch (services/checks.py), so the
    checks read a few thousand rows instead of grouping the period's millions of lunches; `countyhall canteens
    checks-rebuild` (and migration 0009) recompute it from the lunches."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="+")
    meal_date = models.DateField("就餐日期")
    accepted = models.IntegerField("已登记人次", default=0)

    class Meta:
        verbose_name = "机构单日就餐人次"
        verbose_name_plural = "机构单日就餐人次"
        constraints = [models.UniqueConstraint(fields=["facility", "meal_date"], name="lunch_day_once")]

    def __str__(self) -> str:
        return f"{self.meal_date} {self.accepted} 人次"


class ElderDayFlag(models.Model):
    """An elder's day the per-elder fraud checks must look at; only such days have a row (a few in a thousand).

    several: the elder had more than one live (accepted or refused) lunch that day — the only days where "two
    facilities on one day" can be found, or two accepted lunches share a minute. backdated: an accepted lunch of
    that day was recorded on another day (Asia/Shanghai) than its meal date — lunches on different days can share
    a recorded minute only so. A flag is never cleared by a void: the rows are a superset of what the checks
    find, and the checks compute their findings from the flagged elders' lunches themselves (selectors.py)."""

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="+")
    meal_date = models.DateField("就餐日期", db_index=True)
    several = models.BooleanField("当日多条有效记录", default=False)
    backdated = models.BooleanField("非当日登记", default=False)

    class Meta:
        verbose_name = "需核查的老人就餐日"
        verbose_name_plural = "需核查的老人就餐日"
        constraints = [models.UniqueConstraint(fields=["elder", "meal_date"], name="elder_day_flag_once")]

    def __str__(self) -> str:
        return f"老人 #{self.elder_id} {self.meal_date}"


class SettlementAdjustment(models.Model):
    """A correction to a lunch in a locked settlement: booked in a later, open period, never rewriting the old one."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="settlement_adjustments")
    lunch = models.ForeignKey(Lunch, on_delete=models.PROTECT, related_name="adjustments")
    original_settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="+")
    settlement = models.ForeignKey(
        Settlement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adjustment_rows",
        help_text="计入的后续结算期",
    )
    city = models.DecimalField("市财政补贴调整", **MONEY)
    county = models.DecimalField("县财政补贴调整", **MONEY)
    care_fund = models.DecimalField("照护资金调整", **MONEY)
    operator_discount = models.DecimalField("运营方优惠调整", **MONEY)
    elder_paid = models.DecimalField("老人自付调整", **MONEY)
    unfunded = models.DecimalField("未明确付款方调整", **MONEY)
    reason = models.CharField("原因", max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(
        computed=("city", "county", "care_fund", "operator_discount", "elder_paid", "unfunded"),
        via="lunch",
        note="the lunch it reverses or books late",
    )

    class Meta:
        verbose_name = "结算调整"
        verbose_name_plural = "结算调整"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"结算调整 #{self.pk}"


class Evaluation(models.Model):
    """A16: the yearly third-party evaluation of a facility that has operated a year."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="evaluations")
    year = models.PositiveIntegerField("年度")
    passed = models.BooleanField("是否合格")
    evaluator = models.CharField("第三方评估机构", max_length=100)
    evaluated_on = models.DateField("评估日期")
    score = models.DecimalField("得分", max_digits=5, decimal_places=1, null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(entered=("score",))

    class Meta:
        verbose_name = "年度评估"
        verbose_name_plural = "年度评估"
        ordering = ["-year", "facility"]
        constraints = [models.UniqueConstraint(fields=["facility", "year"], name="one_evaluation_per_year")]

    def __str__(self) -> str:
        return f"{self.year}年度评估（{'合格' if self.passed else '不合格'}）"


class OperatingSubsidy(models.Model):
    """A14: the computed operating subsidy for one facility and year, with what it rested on."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="operating_subsidies")
    year = models.PositiveIntegerField("年度")
    lunches = models.PositiveIntegerField("年度就餐人次")
    evaluation_passed = models.BooleanField("评估合格")
    eligible = models.BooleanField("符合条件")
    reason = models.CharField("原因", max_length=300, blank=True)
    amount = models.DecimalField("补贴金额", **MONEY)
    city = models.DecimalField("市财政分担", **MONEY)
    county = models.DecimalField("县财政分担", **MONEY)
    citations = models.JSONField(default=list)
    readings = models.JSONField(default=list)
    policy_basis = models.JSONField("政策依据（解读及其答案）", default=dict, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(
        computed=("amount", "city", "county"), basis="policy_basis", note="canteen.operating_subsidy"
    )

    class Meta:
        verbose_name = "运营补贴"
        verbose_name_plural = "运营补贴"
        ordering = ["-year", "facility"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "year"], name="one_operating_subsidy_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.year}年度运营补贴"


class PriceListEntry(models.Model):
    """A facility's dated price list: the lunch price (A6 subsidises it) and higher-standard meals (A10).

    The check-in takes the lunch price in force on the meal date from here, never from the terminal or
    the counter. A new price is a new row with its own valid_from; rows are never edited, so the price a
    frozen lunch rests on stays visible.
    """

    class Kind(models.TextChoices):
        LUNCH = "lunch", "午餐（享受助餐补贴）"
        # A10 (L1243–1247): priced by the canteen, charged extra, not subsidised.
        HIGHER = "higher", "高标准或个性化餐（另行收费）"

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="prices")
    kind = models.CharField("类别", max_length=8, choices=Kind.choices, default=Kind.LUNCH)
    label = models.CharField(
        "餐品名称", max_length=60, blank=True, help_text="高标准或个性化餐填写名称；午餐留空"
    )
    price = models.DecimalField("价格（元）", **MONEY)
    valid_from = models.DateField("执行日期")
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by_label = models.CharField("录入人", max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(entered=("price",))

    class Meta:
        verbose_name = "价目表"
        verbose_name_plural = "价目表"
        ordering = ["facility", "kind", "label", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "kind", "label", "valid_from"], name="one_price_per_item_and_day"
            )
        ]
        # The check-in's one lookup: the latest lunch price on or before the meal date.
        indexes = [models.Index(fields=["facility", "kind", "valid_from"], name="price_in_force")]

    def __str__(self) -> str:
        return f"{self.label or self.get_kind_display()} {self.price} 元（{self.valid_from} 起）"


class TerminalDevice(models.Model):
    """One check-in terminal of one facility, with its own token (stored as a SHA-256 hash only)."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="terminals")
    name = models.CharField("终端名称", max_length=60)
    token_hash = models.CharField(max_length=64, unique=True)
    token_hint = models.CharField("令牌前缀", max_length=8, help_text="令牌的前几位，便于核对，不能用于登录")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="发放人"
    )
    created_at = models.DateTimeField("发放时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("停用时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="停用人",
    )
    revoke_reason = models.CharField("停用原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "登记终端"
        verbose_name_plural = "登记终端"
        ordering = ["facility", "-created_at"]

    def __str__(self) -> str:
        return f"终端 #{self.pk} {self.name}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class CanteenSetting(models.Model):
    """A platform setting of the 助餐 system entered by 民政 (not a gazette figure); the latest row is in force."""

    class Key(models.TextChoices):
        BACKDATE_DAYS = "backdate_days", "补录期限（天）"

    key = models.CharField("设置项", max_length=32, choices=Key.choices)
    value = models.PositiveIntegerField("值")
    reason = models.CharField("说明", max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    set_by_label = models.CharField("设置人", max_length=64)
    set_at = models.DateTimeField("设置时间", auto_now_add=True)

    class Meta:
        verbose_name = "助餐平台设置"
        verbose_name_plural = "助餐平台设置"
        ordering = ["key", "-set_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_key_display()} = {self.value}"


class LateEntry(models.Model):
    """A lunch the counter could not record itself (outside the back-dating window, or in an approved period):
    民政 approves it into the next open period, or rejects it, with a reason either way."""

    class Status(models.TextChoices):
        PENDING = "pending", "待民政局审核"
        APPROVED = "approved", "已同意补录"
        REJECTED = "rejected", "未同意"

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="late_entries")
    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="late_entries")
    meal_date = models.DateField("就餐日期")
    reason = models.CharField("补录原因", max_length=300)
    why_late = models.CharField("须审核的原因", max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人"
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="审核人",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_reason = models.CharField("审核意见", max_length=300, blank=True)
    lunch = models.OneToOneField(
        Lunch, null=True, blank=True, on_delete=models.PROTECT, related_name="late_entry"
    )
    adjustment = models.OneToOneField(
        SettlementAdjustment, null=True, blank=True, on_delete=models.PROTECT, related_name="late_entry"
    )

    class Meta:
        verbose_name = "午餐补录申请"
        verbose_name_plural = "午餐补录申请"
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "facility"], name="late_entry_status")]

    def __str__(self) -> str:
        return f"补录申请 #{self.pk} {self.meal_date}"


class FundUseReport(models.Model):
    """四、（二）5 (L1195–1199): subsidy money kept in its own accounts, and each year a fund-use report by a
    professional agency. One row per facility and year: the operator uploads it; missing ones are to-dos."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="fund_use_reports")
    year = models.PositiveIntegerField("年度")
    agency = models.CharField("出具报告的专业机构", max_length=100)
    separate_account = models.BooleanField("补贴资金单独设立账目", default=False)
    account_note = models.CharField(
        "账目说明", max_length=200, blank=True, help_text="如：开户行及账号后四位、账套名称"
    )
    report_date = models.DateField("报告日期")
    file = models.FileField("资金使用报告", upload_to="canteens/fund_reports/%Y/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="上传人",
    )
    uploaded_by_label = models.CharField("上传人（记录时）", max_length=64)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "年度资金使用报告"
        verbose_name_plural = "年度资金使用报告"
        ordering = ["facility", "-year"]
        constraints = [models.UniqueConstraint(fields=["facility", "year"], name="one_fund_report_per_year")]

    def __str__(self) -> str:
        return f"{self.facility} {self.year}年度资金使用报告"


class NoticeCheck(models.Model):
    """四、（二）4 (L1177–1185): the "五公开" wall notices, checked on site by the town: which were posted, on
    which day, by whom. Never edited: a later visit is a new row."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="notice_checks")
    checked_on = models.DateField("核查日期")
    items = models.JSONField("核查结果", help_text="{事项: 是否上墙}，事项取自参数 canteen.five_public.items")
    all_posted = models.BooleanField("全部上墙")
    note = models.CharField("说明", max_length=300, blank=True)
    # The clause the checklist's items came from on the day of the check (canteen.five_public.items).
    citation = models.JSONField("依据", default=dict, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="核查人",
    )
    verified_by_label = models.CharField("核查人（记录时）", max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "“五公开”核查"
        verbose_name_plural = "“五公开”核查"
        ordering = ["facility", "-checked_on", "-id"]

    def __str__(self) -> str:
        return f"{self.facility} {self.checked_on} “五公开”核查"
