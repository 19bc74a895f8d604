"""The clean-heating ledger (台账) of 高政办字〔2021〕37号: village plans, households, devices, use, entitlements."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from countyhall.core.identity import mask_name
from countyhall.core.models import Division, Person
from countyhall.core.policy.basis import FigureBasis

MONEY = {"max_digits": 12, "decimal_places": 2}


def mask_address(address: str) -> str:
    """An address often names the family (“高家”, “张庄3号”): the audit log keeps only its first two characters."""
    address = address.strip()
    return address[:2] + "**" if address else ""


def programme_year() -> int:
    """The default conversion year: the programme's (heating.programme.year), not a year written in code."""
    from countyhall.heating.rules import programme_year as year

    return year()


class Method(models.TextChoices):
    GAS = "gas", "气代煤"
    BIOMASS = "biomass", "生物质"


class VillagePlan(models.Model):
    """B1/B11: a natural village converts as a whole, by one method, on the plan's dates."""

    division = models.OneToOneField(
        Division, verbose_name="自然村", on_delete=models.PROTECT, related_name="heating_plan"
    )
    year = models.PositiveIntegerField("改造年度", default=programme_year)
    method = models.CharField("改造方式", max_length=16, choices=Method.choices)
    planned_households = models.PositiveIntegerField("计划改造户数")
    construction_done_on = models.DateField("完成工程建设日期", null=True, blank=True)
    commissioning_done_on = models.DateField("完成调试交付日期", null=True, blank=True)
    # 三、（一）（二）: the conditions of the method, recorded with the plan and checked (rules.village_plan_terms).
    demolition_year = models.PositiveIntegerField(
        "列入拆迁计划的年份", null=True, blank=True, help_text="无拆迁计划留空；气代煤须5年内无拆迁计划"
    )
    gas_review_passed_on = models.DateField(
        "燃气专家评审通过日期", null=True, blank=True, help_text="气代煤由燃气专家评审通过后实施"
    )
    gas_review_note = models.CharField("评审意见或文号", max_length=200, blank=True)
    biomass_basis = models.CharField(
        "生物质改造依据",
        max_length=16,
        blank=True,
        choices=[
            ("demolition", "3-5年内列入拆迁计划的村居"),
            ("whole_village", "已经整建制实施生物质改造的村居"),
            ("unsuitable", "不适宜其他方式进行清洁取暖改造的居民"),
        ],
    )

    class Meta:
        verbose_name = "村改造计划"
        verbose_name_plural = "村改造计划"
        ordering = ["division__path"]

    def __str__(self) -> str:
        return f"{self.division} {self.get_method_display()}"

    @property
    def conditions(self):
        """三、（一）（二）: the conditions of the method checked (a rule result: data["met"], data["checks"])."""
        from countyhall.heating.rules import village_plan_terms

        return village_plan_terms(
            method=self.method,
            year=self.year,
            demolition_year=self.demolition_year,
            gas_review_passed_on=self.gas_review_passed_on,
            biomass_basis=self.biomass_basis,
            construction_done_on=self.construction_done_on,
        )


class Household(models.Model):
    division = models.ForeignKey(
        Division, verbose_name="自然村", on_delete=models.PROTECT, related_name="heating_households"
    )
    householder = models.ForeignKey(
        Person, verbose_name="户主", on_delete=models.PROTECT, related_name="heating_households"
    )
    address = models.CharField("住址", max_length=200)
    members = models.PositiveSmallIntegerField("家庭人口", default=1)
    special_poor = models.BooleanField(
        "特别困难群体",
        default=False,
        help_text="B9：按《特别困难群体冬季清洁取暖改造工程补助工程实施方案》另行补助",
    )
    method = models.CharField("改造方式", max_length=16, choices=Method.choices)
    converted_year = models.PositiveIntegerField("改造年度", default=programme_year)
    accepted_on = models.DateField("验收合格日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "改造户"
        verbose_name_plural = "改造户"
        ordering = ["division__path", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["householder", "converted_year"], name="one_conversion_per_householder_year"
            )
        ]

    # The audit log never stores the householder's address in full (model_snapshot masks it).
    AUDIT_MASKED_FIELDS = {"address": mask_address}

    def __str__(self) -> str:
        return f"改造户 #{self.pk}"

    def audit_repr(self) -> str:
        """How the audit trail names a household: its number and the householder's masked name."""
        return f"改造户 #{self.pk}（户主 {mask_name(self.householder.name)}）"


class Device(models.Model):
    class Kind(models.TextChoices):
        GAS_BOILER = "gas_boiler", "燃气壁挂炉"
        BIOMASS_STOVE = "biomass_stove", "生物质炉具"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="devices")
    kind = models.CharField("设备", max_length=16, choices=Kind.choices)
    model_name = models.CharField("型号（市级招标入围）", max_length=100)
    supplier = models.CharField("供货商", max_length=100)
    price = models.DecimalField("购买价格", **MONEY)
    tendered_price = models.DecimalField("招标价格", null=True, blank=True, **MONEY)
    invoice_no = models.CharField("发票号码", max_length=40, blank=True)
    installed_on = models.DateField("安装日期", null=True, blank=True)
    commissioned_on = models.DateField("调试日期", null=True, blank=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(entered=("price", "tendered_price"))

    class Meta:
        verbose_name = "采暖设备"
        verbose_name_plural = "采暖设备"
        constraints = [
            models.UniqueConstraint(fields=["household", "kind"], name="one_device_kind_per_household")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.model_name}"


class SeasonUse(models.Model):
    """Gas used (meter readings) or biomass fuel bought in one heating season."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="season_uses")
    season = models.CharField("采暖季", max_length=9)
    gas_m3 = models.DecimalField("用气量（立方米）", max_digits=10, decimal_places=3, null=True, blank=True)
    fuel_tonnes = models.DecimalField("燃料（吨）", max_digits=8, decimal_places=3, null=True, blank=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(entered=("gas_m3", "fuel_tonnes"))

    class Meta:
        verbose_name = "采暖季用量"
        verbose_name_plural = "采暖季用量"
        constraints = [models.UniqueConstraint(fields=["household", "season"], name="one_use_per_season")]

    def __str__(self) -> str:
        return f"{self.season} 用量"


class PublicInstitution(models.Model):
    """B10: a non-profit public place counts toward the task by heated area, with no subsidy."""

    name = models.CharField("名称", max_length=100, unique=True)
    division = models.ForeignKey(Division, verbose_name="所在地", on_delete=models.PROTECT)
    heated_area_m2 = models.DecimalField("采暖面积（平方米）", max_digits=10, decimal_places=2)
    accepted_on = models.DateField("验收合格日期", null=True, blank=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(entered=("heated_area_m2",))

    class Meta:
        verbose_name = "公服机构"
        verbose_name_plural = "公服机构"

    def __str__(self) -> str:
        return self.name


class Claim(models.Model):
    """Entitlements grouped by payee for one period; approval locks it."""

    class Payee(models.TextChoices):
        GAS_COMPANY = "gas_company", "燃气企业（淄博金捷天然气公司）"
        SUPPLIER = "supplier", "设备供货商"
        HOUSEHOLD = "household", "改造户"

    class Status(models.TextChoices):
        DRAFT = "draft", "待审核"
        APPROVED = "approved", "已审定（锁定）"
        # 财政局 sent it back with a reason: kept as it was (never erased); the next build moves its rows
        # into a new draft claim for 住建局 to resubmit.
        RETURNED = "returned", "已退回"

    period = models.CharField("期间", max_length=9, help_text="2021（设备与管网）或采暖季 2021-2022")
    payee = models.CharField("收款方", max_length=16, choices=Payee.choices)
    payee_name = models.CharField(
        "收款单位", max_length=100, blank=True, help_text="供货商名称；改造户汇总为空"
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    amount = models.DecimalField("金额", default=0, **MONEY)
    shares = models.JSONField("按预算分担", default=dict)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.CharField("退回原因", max_length=500, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    # The readings (id → answer) and approved policy changes behind the claim's entitlements (their union).
    policy_basis = models.JSONField("政策依据（解读与变更）", default=dict, blank=True)
    resubmitted_as = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="退回后重新提交的申领",
    )

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(
        computed=("amount", "shares"), basis="policy_basis", note="the union of its entitlements' bases"
    )

    class Meta:
        verbose_name = "补贴申领"
        verbose_name_plural = "补贴申领"
        constraints = [
            models.UniqueConstraint(
                fields=["period", "payee", "payee_name", "status"],
                condition=models.Q(status="draft"),
                name="one_open_claim_per_payee",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.get_payee_display()} {self.payee_name}".strip()


class Entitlement(models.Model):
    class Item(models.TextChoices):
        GAS_NETWORK = "gas_network", "燃气管网及户内设施"
        GAS_BOILER = "gas_boiler", "燃气壁挂炉"
        GAS_USE = "gas_use", "用气补贴"
        BIOMASS_STOVE = "biomass_stove", "生物质炉具"
        BIOMASS_FUEL = "biomass_fuel", "生物质燃料"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="entitlements")
    period = models.CharField("期间", max_length=9)
    item = models.CharField("项目", max_length=16, choices=Item.choices)
    payee = models.CharField("收款方", max_length=16, choices=Claim.Payee.choices)
    payee_name = models.CharField("收款单位", max_length=100, blank=True)
    adjusts = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adjustments",
        help_text="对已审定金额的更正（差额）",
    )
    amount = models.DecimalField("金额", **MONEY)
    excess = models.DecimalField("超出上限未补部分", default=0, **MONEY)
    shares = models.JSONField("按预算分担")
    citations = models.JSONField(default=list)
    readings = models.JSONField(default=list)
    # {"readings": {id: "adopted"|"alternative"}, "changes": [PolicyChange ids]}: the answers this amount used.
    policy_basis = models.JSONField("政策依据（解读与变更）", default=dict, blank=True)
    claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="entitlements"
    )

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(
        computed=("amount", "excess", "shares", "payee"),
        basis="policy_basis",
        note="the heating.* rule of its item (B9: heating.special_poor.*)",
    )

    class Meta:
        verbose_name = "补贴"
        verbose_name_plural = "补贴"
        constraints = [
            models.UniqueConstraint(
                fields=["household", "period", "item"],
                condition=models.Q(adjusts=None),
                name="one_entitlement_item",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.get_item_display()}"


class Acceptance(models.Model):
    """B12: town initial acceptance → application to the county → third-party acceptance with findings."""

    class Stage(models.TextChoices):
        TOWN_INITIAL = "town_initial", "镇（街道）初验"
        COUNTY_APPLICATION = "county_application", "向县清洁取暖指挥部申请验收"
        THIRD_PARTY = "third_party", "第三方综合验收"

    plan = models.ForeignKey(VillagePlan, on_delete=models.PROTECT, related_name="acceptances")
    stage = models.CharField("环节", max_length=24, choices=Stage.choices)
    passed = models.BooleanField("通过")
    decided_on = models.DateField("日期")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    findings = models.TextField("验收意见", blank=True)

    class Meta:
        verbose_name = "验收"
        verbose_name_plural = "验收"
        ordering = ["plan", "decided_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}（{'通过' if self.passed else '未通过'}）"


class TenderedEquipment(models.Model):
    """B13: equipment is chosen from the city's tendered list (entered by an administrator)."""

    kind = models.CharField("设备", max_length=16, choices=Device.Kind.choices)
    model_name = models.CharField("型号", max_length=100)
    supplier = models.CharField("供货商", max_length=100)
    price = models.DecimalField("招标价格", **MONEY)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(entered=("price",))

    class Meta:
        verbose_name = "市级招标入围设备"
        verbose_name_plural = "市级招标入围设备"
        constraints = [
            models.UniqueConstraint(fields=["kind", "model_name", "supplier"], name="one_tendered_model")
        ]

    def __str__(self) -> str:
        return f"{self.model_name}（{self.supplier}）"


class MeterReading(models.Model):
    """A gas meter reading; a season's use is the last reading minus the first."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="meter_readings")
    season = models.CharField("采暖季", max_length=9)
    read_on = models.DateField("抄表日期")
    reading_m3 = models.DecimalField("表数（立方米）", max_digits=12, decimal_places=3)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(entered=("reading_m3",))

    class Meta:
        verbose_name = "燃气抄表"
        verbose_name_plural = "燃气抄表"
        ordering = ["household", "season", "read_on"]

    def __str__(self) -> str:
        return f"{self.read_on} {self.reading_m3}"


class FuelPurchase(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="fuel_purchases")
    season = models.CharField("采暖季", max_length=9)
    bought_on = models.DateField("购买日期")
    tonnes = models.DecimalField("吨数", max_digits=8, decimal_places=3)
    invoice_no = models.CharField("票据号码", max_length=40, blank=True)

    # Issue 13: which figures a rule computed and where their policy basis is kept (tests/policy/test_figure_basis.py).
    POLICY_FIGURES = FigureBasis(entered=("tonnes",))

    class Meta:
        verbose_name = "生物质燃料购买"
        verbose_name_plural = "生物质燃料购买"
        ordering = ["household", "season", "bought_on"]

    def __str__(self) -> str:
        return f"{self.bought_on} {self.tonnes} 吨"


class Correction(models.Model):
    """One corrected field of a household's record (household, device, meter reading, fuel purchase).

    Corrections never erase: the old and the new value are kept with the reason, and the household's page
    shows them as its history (old → new), besides the audit row written in the same transaction.
    """

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="corrections")
    record = models.CharField("记录", max_length=20)  # 改造户信息 / 采暖设备 / 燃气抄表 / 燃料购买 / 台账导入
    field = models.CharField("字段", max_length=40)  # the Chinese label of the field
    old = models.CharField("原值", max_length=200, blank=True)
    new = models.CharField("新值", max_length=200, blank=True)
    reason = models.CharField("更正原因", max_length=500)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by_label = models.CharField("更正人", max_length=150, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "台账更正"
        verbose_name_plural = "台账更正"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.record} {self.field}：{self.old} → {self.new}"


class EquipmentInspection(models.Model):
    """B11 (五、（四）, L5589): each town leads the full inspection and maintenance of the equipment installed since
    2017, due with the year's construction (heating.deadline.inspection). One row per town: done or not."""

    town = models.OneToOneField(
        Division, verbose_name="镇（街道）", on_delete=models.PROTECT, related_name="heating_inspection"
    )
    done_on = models.DateField("完成日期")
    households_checked = models.PositiveIntegerField("检查户数", default=0)
    findings = models.TextField("检查维护情况", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "设备设施全面检查维护"
        verbose_name_plural = "设备设施全面检查维护"
        ordering = ["town__path"]

    def __str__(self) -> str:
        return f"{self.town} 设备设施检查维护"
