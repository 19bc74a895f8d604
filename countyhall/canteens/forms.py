from __future__ import annotations

from django import forms
from django.utils.choices import CallableChoiceIterator

from countyhall.canteens.models import Facility, TekunStatus
from countyhall.canteens.services.elders import IMPORT_MODES
from countyhall.core.models import Division, Organisation
from countyhall.core.roles import Role

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FacilityForm(forms.Form):
    name = forms.CharField(
        label="名称", max_length=100, help_text="xxx镇（街道办）xxx村（社区）长者食堂 或 …长者助餐服务点"
    )
    kind = forms.ChoiceField(label="类别", choices=Facility.Kind.choices)
    model = forms.ChoiceField(label="建设模式", choices=Facility.Model.choices)
    setting = forms.ChoiceField(label="城乡", choices=Facility.Setting.choices)
    operator = forms.ModelChoiceField(label="运营方", queryset=Organisation.objects.all())
    operator_kind = forms.ChoiceField(label="运营方类型", choices=Facility.OperatorKind.choices)
    division = forms.ModelChoiceField(
        label="所在自然村/社区",
        queryset=Division.objects.filter(kind__in=["natural_village", "community", "village"]),
    )
    address = forms.CharField(label="地址", required=False)
    area_m2 = forms.DecimalField(label="建筑面积（平方米）", required=False, min_value=0, decimal_places=1)
    seats = forms.IntegerField(label="同时就餐座位数", required=False, min_value=0)
    food_licence_no = forms.CharField(label="食品经营许可证编号", required=False)
    food_licence_expiry = forms.DateField(label="许可证有效期至", required=False, widget=DATE)
    meal_supplier = forms.CharField(label="集体用餐配送单位（助餐服务点）", required=False)
    lunch_price = forms.DecimalField(label="午餐价格（元）", min_value=0, decimal_places=2)
    service_start = forms.DateField(label="开始助餐服务日期", required=False, widget=DATE)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope = user.scope_division if user is not None else None
        if scope is not None:
            self.fields["division"].queryset = self.fields["division"].queryset.filter(
                path__startswith=scope.path
            )
        operators = Organisation.objects.filter(
            kind__in=["canteen_operator", "care_organisation", "village_committee", "enterprise", "other"]
        )
        roles = getattr(user, "role_codes", frozenset())
        if Role.CANTEEN_OPERATOR in roles and not roles & {Role.CIVIL_AFFAIRS, Role.TOWN_OFFICER}:
            # An operator registers only the facilities it runs (access.can_register_facility).
            operators = Organisation.objects.filter(pk=user.organisation_id)
        self.fields["operator"].queryset = operators


class StaffForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=32)
    handles_food = forms.BooleanField(label="直接接触食品", required=False, initial=True)
    health_certificate_no = forms.CharField(label="健康证明编号", required=False)
    health_certificate_expiry = forms.DateField(label="健康证明有效期至", required=False, widget=DATE)


class MenuForm(forms.Form):
    week_start = forms.DateField(label="周一日期", widget=DATE)
    mon = forms.CharField(label="周一", required=False)
    tue = forms.CharField(label="周二", required=False)
    wed = forms.CharField(label="周三", required=False)
    thu = forms.CharField(label="周四", required=False)
    fri = forms.CharField(label="周五", required=False)
    sat = forms.CharField(label="周六", required=False)
    sun = forms.CharField(label="周日", required=False)


class FilingDecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("submit", "提交备案"), ("approve", "同意"), ("reject", "不同意"), ("revoke", "取消资质")]
    )
    note = forms.CharField(label="意见/理由", required=False, max_length=300)


YES_NO = [("", "请选择"), ("是", "是"), ("否", "否")]


class GroupedDivisionField(forms.ModelChoiceField):
    """Town → village: the villages grouped under their town (<optgroup>), so a long list reads as the county's
    own tree and the browser's type-to-search finds a village by name."""

    def _get_choices(self):
        # Lazy: the form class is built at import, before the database is there.
        return CallableChoiceIterator(self._grouped)

    def _grouped(self):
        from countyhall.canteens.names import town_names, town_of

        towns = town_names()
        groups: dict[str, list] = {}
        for division in self.queryset.order_by("path"):
            groups.setdefault(town_of(division, towns) or "县直", []).append((division.pk, division.name))
        return [("", "请选择"), *[(town, options) for town, options in groups.items()]]

    choices = property(_get_choices, forms.ChoiceField.choices.fset)


def _hukou(value: str) -> bool:
    return value == "是"


class ElderForm(forms.Form):
    id_number = forms.CharField(label="身份证号", max_length=18)
    name = forms.CharField(label="姓名", max_length=32)
    division = GroupedDivisionField(
        label="居住地（自然村/社区）",
        queryset=Division.objects.filter(kind__in=["natural_village", "community", "village"]),
    )
    # 户籍 takes only 是/否, chosen on purpose (no pre-selected answer).
    gaoqing_hukou = forms.TypedChoiceField(label="高青县户籍", choices=YES_NO, coerce=_hukou)
    address = forms.CharField(label="住址", required=False)
    phone = forms.CharField(
        label="联系电话", required=False, help_text="手机号 11 位，或固定电话如 0533-6912345"
    )
    card_number = forms.CharField(label="就餐卡号", required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope = user.scope_division if user is not None else None
        if scope is not None:
            self.fields["division"].queryset = self.fields["division"].queryset.filter(
                path__startswith=scope.path
            )


class ElderEditForm(ElderForm):
    """The same fields less the 身份证号 (a wrong one is another person), plus the reason kept in the history."""

    reason = forms.CharField(label="修改原因", max_length=300, help_text="必填，保留在修改记录中")
    # The 供养方式 of the latest 特困 period (五、（一）2: only 分散供养 get the rural free lunch).
    tekun_support = forms.ChoiceField(
        label="特困供养方式",
        required=False,
        choices=[("", "（不修改）"), *TekunStatus.Support.choices],
        help_text="只有分散供养特困人员在农村长者食堂免费就餐；仅对已认定特困的老人填写",
    )

    def __init__(self, *args, tekun: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["id_number"]
        if not tekun:
            del self.fields["tekun_support"]


class UndoLeftForm(forms.Form):
    what = forms.ChoiceField(
        label="撤销", choices=[("", "请选择"), ("death", "撤销死亡登记"), ("move", "撤销迁出登记")]
    )
    reason = forms.CharField(label="撤销原因", max_length=300)


class TekunForm(forms.Form):
    source = forms.CharField(label="认定依据", max_length=200)
    # No default: the clerk says which (五、（一）2, L1219: the rural free lunch is for 分散供养 only).
    support = forms.ChoiceField(
        label="供养方式",
        choices=[("", "请选择")] + TekunStatus.Support.choices,
        help_text="农村长者食堂只为分散供养特困人员提供免费午餐",
    )
    valid_from = forms.DateField(label="起始日期", widget=DATE)
    valid_to = forms.DateField(label="终止日期", required=False, widget=DATE)


class LeftForm(forms.Form):
    died_on = forms.DateField(label="死亡日期", required=False, widget=DATE)
    moved_away_on = forms.DateField(label="迁出日期", required=False, widget=DATE)
    reason = forms.CharField(
        label="依据或说明", max_length=300, required=False, help_text="如：村委会证明、户籍迁出证明"
    )


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（按模板填写）")
    mode = forms.ChoiceField(
        label="导入方式",
        choices=list(IMPORT_MODES.items()),
        help_text="默认只新增老人，已登记的老人不会被修改；要更新已登记老人请选择“更新”，"
        "系统先列出每行的变更，确认后才导入。",
    )


class ImportConfirmForm(forms.Form):
    """The previewed file, carried back by the confirm button (see views.elders)."""

    confirm = forms.CharField(widget=forms.HiddenInput, initial="1")
    content = forms.CharField(widget=forms.HiddenInput)
    token = forms.CharField(widget=forms.HiddenInput)


class CounterForm(forms.Form):
    identifier = forms.CharField(
        label="身份证号或就餐卡号",
        max_length=32,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    meal_date = forms.DateField(label="就餐日期（补录时填写）", required=False, widget=DATE)
    # A10 (五、（一）2, L1245–1249): a higher-standard or personalised meal of the price list, charged separately.
    extra_label = forms.ChoiceField(
        label="高标准或个性化餐（另行收费）", required=False, choices=[("", "无")]
    )

    def __init__(self, *args, extras=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["extra_label"].choices = [("", "无")] + [
            (e.label, f"{e.label} ¥{e.price}") for e in extras
        ]
        if not extras:
            self.fields["extra_label"].widget = forms.HiddenInput()


class VoidForm(forms.Form):
    reason = forms.CharField(label="作废原因", max_length=300)


class SendBackForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=300, help_text="运营方据此更正，必填")


class _FromFirstYear:
    """A year field that starts at the opinion's first year (the parameter file's validity, not a literal)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.core.validators import MinValueValidator

        from countyhall.canteens.rules import in_force_window

        first = in_force_window()[0].year
        field = self.fields["year"]
        field.min_value = first
        field.validators = [v for v in field.validators if not isinstance(v, MinValueValidator)]
        field.validators.append(MinValueValidator(first))
        field.widget.attrs["min"] = first


class SettlementForm(_FromFirstYear, forms.Form):
    facility = forms.ModelChoiceField(
        label="机构（留空为全县）", queryset=Facility.objects.all(), required=False
    )
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    month = forms.IntegerField(label="月份（留空为年度结算）", min_value=1, max_value=12, required=False)


class EvaluationForm(_FromFirstYear, forms.Form):
    facility = forms.ModelChoiceField(label="机构", queryset=Facility.objects.exclude(status="draft"))
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    passed = forms.BooleanField(label="评估合格", required=False)
    evaluator = forms.CharField(label="第三方评估机构", max_length=100)
    evaluated_on = forms.DateField(label="评估日期", widget=DATE)
    score = forms.DecimalField(label="得分", required=False, max_digits=5, decimal_places=1)
    note = forms.CharField(label="说明", required=False, max_length=300)


class FundReportForm(forms.Form):
    """四、（二）5: the yearly fund-use report by a professional agency, and the separate subsidy account."""

    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    agency = forms.CharField(label="出具报告的专业机构", max_length=100, help_text="如：会计师事务所名称")
    report_date = forms.DateField(label="报告日期", widget=DATE)
    separate_account = forms.BooleanField(label="各类补贴资金已单独设立账目", required=False)
    account_note = forms.CharField(
        label="账目说明", max_length=200, required=False, help_text="如：开户行及账号后四位、账套名称"
    )
    file = forms.FileField(label="资金使用报告（PDF、图片、Word、Excel 或 OFD）")


class NoticeCheckForm(forms.Form):
    """四、（二）4: the town's on-site check of the "五公开" wall notices (items from the parameter file)."""

    checked_on = forms.DateField(label="核查日期", widget=DATE)
    posted = forms.MultipleChoiceField(
        label="已上墙的事项", required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label="说明或整改要求", max_length=300, required=False, help_text="有未上墙事项时必填"
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["posted"].choices = [(item, item) for item in items]
