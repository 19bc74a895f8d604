"""Forms of the accident pages: they parse and label; the services decide."""

from __future__ import annotations

from django import forms

from countyhall.core.models import Division, Organisation
from countyhall.core.widgets import division_choices, organisation_choices, use_grouped
from countyhall.emergency.models import LEVEL_CHOICES, DutyOffice, Incident, PowerEnterprise, WorkingGroup

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"})


class IncidentForm(forms.Form):
    enterprise = forms.ModelChoiceField(label="事故发生单位", queryset=PowerEnterprise.objects.none())
    kind = forms.ChoiceField(label="事故类型（预案3.1）", choices=Incident.Kind.choices)
    occurred_at = forms.DateTimeField(
        label="事故发生时间", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    place = forms.CharField(label="事故地点", max_length=200)
    deaths = forms.IntegerField(label="死亡人数", min_value=0, initial=0)
    missing = forms.IntegerField(label="失踪（下落不明）人数", min_value=0, initial=0)
    injured = forms.IntegerField(label="中毒、重伤人数", min_value=0, initial=0)
    especially_major_impact = forms.BooleanField(label="社会影响特别重大", required=False)
    direct_loss_yuan = forms.DecimalField(
        label="初步估计直接经济损失（元）", required=False, min_value=0, decimal_places=2, max_digits=14
    )
    unit_overview = forms.CharField(
        label="事故发生单位概况", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    scene = forms.CharField(label="事故现场情况", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    course = forms.CharField(label="事故简要经过", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    measures = forms.CharField(
        label="已经采取的措施", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    other = forms.CharField(
        label="其他应当报告的情况", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        if enterprises is not None:
            self.fields["enterprise"].queryset = enterprises


class FiguresForm(forms.Form):
    deaths = forms.IntegerField(label="死亡", min_value=0)
    missing = forms.IntegerField(label="失踪", min_value=0)
    injured = forms.IntegerField(label="中毒、重伤", min_value=0)
    especially_major_impact = forms.BooleanField(label="社会影响特别重大", required=False)
    direct_loss_yuan = forms.DecimalField(
        label="直接经济损失（元）", required=False, min_value=0, decimal_places=2, max_digits=14
    )


class ContentForm(forms.Form):
    place = forms.CharField(label="事故地点", max_length=200)
    unit_overview = forms.CharField(
        label="事故发生单位概况", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    scene = forms.CharField(label="事故现场情况", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    course = forms.CharField(label="事故简要经过", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    measures = forms.CharField(
        label="已经采取的措施", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    other = forms.CharField(
        label="其他应当报告的情况", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class VerificationForm(forms.Form):
    requested_by = forms.CharField(label="核报要求方", max_length=64, initial="市应急局")
    mode = forms.ChoiceField(
        label="反馈方式", choices=[("phone", "电话（15分钟内）"), ("written", "书面（40分钟内）")]
    )
    text = forms.CharField(label="核报内容", max_length=300)


class EvaluationForm(forms.Form):
    evaluation_cause = forms.CharField(label="事件发生原因和经过", widget=forms.Textarea(attrs={"rows": 2}))
    evaluation_losses = forms.CharField(label="直接损失和影响", widget=forms.Textarea(attrs={"rows": 2}))
    evaluation_handling = forms.CharField(label="处置过程", widget=forms.Textarea(attrs={"rows": 2}))
    evaluation_lessons = forms.CharField(label="经验教训", widget=forms.Textarea(attrs={"rows": 2}))
    evaluation_suggestions = forms.CharField(label="改进建议", widget=forms.Textarea(attrs={"rows": 2}))
    investigation = forms.CharField(
        label="事故调查记录", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class WarningForm(forms.Form):
    level = forms.ChoiceField(label="预警等级", choices=LEVEL_CHOICES)
    event = forms.CharField(label="事件", max_length=100, initial="发电企业生产安全事故预警")
    headline = forms.CharField(label="标题", max_length=200)
    description = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 2}))
    instruction = forms.CharField(label="防御指引", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    area = forms.CharField(label="区域", max_length=200, initial="高青县")
    enterprise = forms.ModelChoiceField(
        label="涉及企业", queryset=PowerEnterprise.objects.all(), required=False
    )
    urgency = forms.ChoiceField(
        label="紧急程度",
        choices=[
            ("Immediate", "立即"),
            ("Expected", "预计（1小时内）"),
            ("Future", "近期"),
            ("Unknown", "未知"),
        ],
        initial="Expected",
    )
    certainty = forms.ChoiceField(
        label="确定性",
        choices=[
            ("Observed", "已发生"),
            ("Likely", "很可能"),
            ("Possible", "可能"),
            ("Unlikely", "不太可能"),
        ],
        initial="Likely",
    )
    expires_at = forms.DateTimeField(
        label="失效时间", required=False, widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )


class EnterpriseForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="企业（机构）",
        queryset=Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE).order_by("name"),
    )
    division = forms.ModelChoiceField(label="所在镇（办）", queryset=Division.objects.order_by("path"))
    address = forms.CharField(label="地址", max_length=200, required=False)
    capacity_mw = forms.DecimalField(
        label="装机容量（兆瓦）", required=False, min_value=0, decimal_places=2, max_digits=9
    )
    principal = forms.CharField(label="主要负责人", max_length=32, required=False)
    duty_phone = forms.CharField(label="值班电话", max_length=32, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Grouped and searchable (organisations by area, town → village); the querysets still validate.
        use_grouped(self.fields["organisation"], organisation_choices(blank=None))
        use_grouped(self.fields["division"], division_choices(include_natural=True, blank=None))


class HazardForm(forms.Form):
    enterprise = forms.ModelChoiceField(label="企业", queryset=PowerEnterprise.objects.none())
    name = forms.CharField(label="重大危险源", max_length=100)
    grade = forms.CharField(label="等级", max_length=16, required=False)
    measures = forms.CharField(label="管控措施", required=False)
    assessed_on = forms.DateField(label="评估日期", required=False, widget=DATE)

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        if enterprises is not None:
            self.fields["enterprise"].queryset = enterprises


class DutyOfficeForm(forms.Form):
    name = forms.CharField(label="名称", max_length=64)
    tier = forms.ChoiceField(label="层级", choices=DutyOffice.Tier.choices)
    phone = forms.CharField(label="电话", max_length=32, required=False)
    fax = forms.CharField(label="传真", max_length=32, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    mobile = forms.CharField(label="值班手机（短信）", max_length=20, required=False)


class ExpertForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=32)
    speciality = forms.CharField(label="专业", max_length=64)
    employer = forms.CharField(label="工作单位", max_length=100, required=False)
    phone = forms.CharField(label="电话", max_length=32, required=False)


class DrillForm(forms.Form):
    enterprise = forms.ModelChoiceField(label="企业", queryset=PowerEnterprise.objects.none())
    held_on = forms.DateField(label="演练日期", widget=DATE)
    scenario = forms.CharField(label="演练科目", max_length=200)
    participants = forms.IntegerField(label="参演人数", min_value=0, required=False)
    summary = forms.CharField(label="总结", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        if enterprises is not None:
            self.fields["enterprise"].queryset = enterprises


def group_choices():
    return WorkingGroup.objects.all()
