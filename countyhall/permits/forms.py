"""Forms of the approval pages: they parse and label input; the services decide what is allowed."""

from __future__ import annotations

from django import forms

from countyhall.core.clock import business_date
from countyhall.core.models import Division, Organisation
from countyhall.core.widgets import division_choices, organisation_choices, use_grouped
from countyhall.permits.models import Category, Commitment, CreditRecord, ElderlyCareStep, Project, Review
from countyhall.permits.rules import SOLD_WITH_SCHEME, possible_stages, regionally_assessed
from countyhall.permits.services.setup import BUILDER_KINDS

DATE = forms.DateInput(attrs={"type": "date"})


def _departments():
    return Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT).order_by("name")


class _Choosers:
    """建设地点 (town → village) and 建设单位 / 失信单位 (organisations by area) as grouped, searchable selects."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "site" in self.fields:
            use_grouped(self.fields["site"], division_choices(include_natural=True, blank=None))
        for name in ("applicant", "organisation"):
            if name in self.fields:
                use_grouped(self.fields[name], organisation_choices(blank=None))


def _builders():
    """Only organisations that may be a 建设单位 are offered (the service checks the kind against the category)."""
    return Organisation.objects.filter(kind__in=BUILDER_KINDS).order_by("kind", "name")


class ProjectForm(_Choosers, forms.Form):
    code = forms.CharField(
        label="全国统一项目代码",
        max_length=40,
        help_text="立项时由投资项目在线审批监管平台赋予，如 2022-370322-26-03-000123",
    )
    name = forms.CharField(label="项目名称", max_length=200)
    category = forms.ChoiceField(label="项目类别", choices=Category.choices)
    land_supply = forms.ChoiceField(label="土地供应方式", choices=Project.LandSupply.choices)
    site = forms.ModelChoiceField(label="建设地点", queryset=Division.objects.order_by("path"))
    applicant = forms.ModelChoiceField(label="建设单位", queryset=_builders())
    investment = forms.DecimalField(
        label="总投资（万元）", max_digits=12, decimal_places=2, required=False, min_value=0
    )
    in_assessed_zone = forms.BooleanField(label="位于已实施区域评估的区域", required=False)
    legal_representative = forms.CharField(label="法定代表人", max_length=32, required=False)
    project_manager = forms.CharField(label="项目负责人", max_length=32, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    households = forms.IntegerField(label="住宅户数（住宅项目填写）", min_value=0, required=False)
    in_area_completed_before_2014_06 = forms.BooleanField(
        label="位于2014年6月前竣工的住宅小区", required=False
    )
    # C3b (3号 二、（四））: asked of projects on land sold with a scheme.
    industrial = forms.BooleanField(label="工业建筑工程项目（带方案出让土地类填写）", required=False)
    merge_elected = forms.BooleanField(
        label="选择“拿地即开工”：工程建设许可和施工许可合并为一个阶段（带方案出让土地类）",
        required=False,
        initial=True,
    )


class ProjectCorrectForm(_Choosers, forms.Form):
    """The particulars that may be corrected after 立项 (not the code: C5), with the reason, which is required."""

    name = forms.CharField(label="项目名称", max_length=200)
    land_supply = forms.ChoiceField(label="土地供应方式", choices=Project.LandSupply.choices)
    site = forms.ModelChoiceField(label="建设地点", queryset=Division.objects.order_by("path"))
    applicant = forms.ModelChoiceField(label="建设单位", queryset=_builders())
    investment = forms.DecimalField(
        label="总投资（万元）", max_digits=12, decimal_places=2, required=False, min_value=0
    )
    in_assessed_zone = forms.BooleanField(label="位于已实施区域评估的区域", required=False)
    legal_representative = forms.CharField(label="法定代表人", max_length=32, required=False)
    project_manager = forms.CharField(label="项目负责人", max_length=32, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    # Reading C3b (二、（四））: on land sold with a scheme these two decide whether 工程建设许可 and 施工许可 merge;
    # shown for those projects only, and refused once the project has applied beyond 立项用地规划许可.
    industrial = forms.BooleanField(label="工业建筑工程项目", required=False)
    merge_elected = forms.BooleanField(
        label="选择“拿地即开工”：工程建设许可和施工许可合并为一个阶段", required=False
    )
    reason = forms.CharField(
        label="更正理由（必填，记入更正记录）", max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None and project.category != SOLD_WITH_SCHEME:
            del self.fields["industrial"], self.fields["merge_elected"]


class StageLimitForm(forms.Form):
    category = forms.ChoiceField(label="项目类别", choices=Category.choices)
    stage = forms.ChoiceField(
        label="审批阶段",
        choices=[
            (s, s)
            for s in dict.fromkeys(
                stage for category in Category.values for stage in possible_stages(category)
            )
        ],
    )
    working_days = forms.IntegerField(
        label="阶段时限（工作日）",
        min_value=1,
        required=False,
        help_text="与现行时限不同时提出变更：须另一位系统管理员审核后生效",
    )
    review_working_days = forms.IntegerField(label="部门审查时限（工作日）", min_value=1, required=False)
    valid_from = forms.DateField(
        label="时限变更起始日期",
        required=False,
        help_text="为空时自明日起",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label="时限变更理由", max_length=200, required=False)
    lead = forms.ModelChoiceField(label="牵头部门", queryset=_departments())
    participants = forms.ModelMultipleChoiceField(
        label="参与部门",
        queryset=_departments(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    items = forms.CharField(
        label="本阶段办理事项（每行一项，合并办理的写在同一行）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    materials = forms.CharField(
        label="申报材料清单（每行一种）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    basis = forms.CharField(
        label="依据", max_length=200, help_text="如：县行政审批服务局印发的审批流程图文号"
    )


class CreditRecordForm(_Choosers, forms.Form):
    organisation = forms.ModelChoiceField(
        label="失信单位", queryset=Organisation.objects.order_by("name"), required=False
    )
    practitioner = forms.CharField(label="失信从业人员", max_length=64, required=False)
    reason = forms.ChoiceField(label="原因", choices=CreditRecord.Reason.choices)
    detail = forms.CharField(label="情况", widget=forms.Textarea(attrs={"rows": 2}))
    source = forms.CharField(label="认定部门或信息来源", max_length=100, required=False)
    listed_on = forms.DateField(label="列入日期", widget=DATE)
    until = forms.DateField(label="移出日期", required=False, widget=DATE)


class CreditEndForm(forms.Form):
    until = forms.DateField(label="移出日期", widget=DATE)


class FeesForm(forms.Form):
    paid_on = forms.DateField(label="缴清日期", widget=DATE)
    proof = forms.CharField(label="缴费凭证号", max_length=60)


class AssessmentForm(forms.Form):
    # The list is policy (permit.yaml): read when the form is built, on the business date.
    kind = forms.ChoiceField(
        label="评估事项", choices=lambda: [(k, k) for k in sorted(regionally_assessed(business_date()))]
    )
    completed_on = forms.DateField(label="完成日期", widget=DATE)
    reference = forms.CharField(label="批复或报告文号", max_length=100)


class ResidentialForm(forms.Form):
    households = forms.IntegerField(label="住宅户数", min_value=0, required=False)
    elderly_room_m2 = forms.DecimalField(
        label="社区养老服务用房面积（平方米）", max_digits=8, decimal_places=2, required=False, min_value=0
    )
    in_area_completed_before_2014_06 = forms.BooleanField(
        label="位于2014年6月前竣工的住宅小区", required=False
    )
    completion_filed_on = forms.DateField(label="竣工验收备案日期", required=False, widget=DATE)
    elderly_room_handed_over_on = forms.DateField(
        label="养老服务用房移交民政日期", required=False, widget=DATE
    )


class ElderlyCareStepForm(forms.Form):
    """35号 一、（一）1–2: one written consultation or acceptance invitation of 民政 or the town."""

    kind = forms.ChoiceField(label="事项", choices=ElderlyCareStep.Kind.choices)
    party = forms.ChoiceField(label="对象", choices=ElderlyCareStep.Party.choices)
    sent_on = forms.DateField(label="书面征求或邀请日期", widget=DATE)
    reference = forms.CharField(label="函件文号或通知编号", max_length=100)
    answered_on = forms.DateField(label="回复或参加日期", required=False, widget=DATE)
    opinion = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OpinionForm(forms.Form):
    opinion = forms.ChoiceField(
        label="意见", choices=[c for c in Review.Opinion.choices if c[0] != "pending"]
    )
    reasons = forms.CharField(label="理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(label="附件", required=False)


class DecideForm(forms.Form):
    approve = forms.BooleanField(label="准予许可", required=False)
    reasons = forms.CharField(label="理由", required=False)


class ExtensionForm(forms.Form):
    working_days = forms.IntegerField(label="延长工作日", min_value=1)
    reason = forms.CharField(label="延期理由", max_length=300)


class NoteForm(forms.Form):
    text = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 2}))
    internal = forms.BooleanField(label="内部备注（申请人不可见）", required=False, initial=True)


class CommitmentForm(forms.Form):
    item = forms.CharField(label="承诺事项", max_length=200)
    area = forms.ChoiceField(label="涉及领域", choices=Commitment.Area.choices)
    committed_on = forms.DateField(label="承诺日期", widget=DATE)
    check_due = forms.DateField(label="核查期限", widget=DATE)


class CommitmentCheckForm(forms.Form):
    kept = forms.TypedChoiceField(
        label="核查结果",
        choices=[("1", "已履行承诺"), ("0", "未履行承诺（撤销许可并列入失信名单）")],
        coerce=lambda v: v == "1",
    )
    findings = forms.CharField(label="核查意见", widget=forms.Textarea(attrs={"rows": 2}))


class ReportForm(forms.Form):
    lead = forms.ModelChoiceField(
        label="牵头部门",
        queryset=Organisation.objects.none(),
        error_messages={"invalid_choice": "不是您可以查看的牵头部门。"},
    )
    year = forms.IntegerField(label="年", min_value=2021, max_value=2100)
    month = forms.IntegerField(label="月", min_value=1, max_value=12)

    def __init__(self, *args, leads=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the leads the user may read are offered (permits.selectors.progress_leads_for_user).
        self.fields["lead"].queryset = leads if leads is not None else _departments()
