"""The e-government pages' forms: labels and help in Chinese; the services validate again and name the field."""

from __future__ import annotations

from django import forms

from countyhall.core.models import Organisation
from countyhall.core.roles import Role
from countyhall.egov.models import Application, OnsiteStep, Review, Template

YES_NO = [("yes", "是"), ("no", "否")]
# 三、（一）（1）—（8） (L517–542), as printed.
EIGHT_KINDS = {
    1: "新建机房以及服务器、存储设备等通用硬件建设项目",
    2: "各部门系统业务专网、跨部门网络建设项目",
    3: "跨部门业务数据共享交换系统建设项目",
    4: "协同办公系统建设项目",
    5: "政府门户网站建设项目",
    6: "视频会议系统建设项目",
    7: "各部门涉及行政权力运行的业务应用系统建设项目",
    8: "其他跨部门、跨行业的应用系统建设以及可共享、可复用的电子政务建设项目",
}


def _yes_no(label: str, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=YES_NO, widget=forms.RadioSelect, help_text=help_text)


def _confirm(label: str) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=True, error_messages={"required": "请勾选确认。"})


class ApplicationForm(forms.Form):
    name = forms.CharField(label="项目名称", max_length=120)
    summary = forms.CharField(label="建设内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    has_engineering = forms.BooleanField(
        label="含信息化工程项目（基础设施、网络、应用软件开发、信息资源开发利用）", required=False
    )
    has_service = forms.BooleanField(
        label="含信息化服务项目（网络安全、咨询、系统迁移、运维）", required=False
    )
    planned_investment = forms.CharField(
        label="计划投资（元）",
        max_length=20,
        help_text="以元为单位，最多两位小数，如 800000.00；100万元（含）以上须委托工程咨询单位编制建设方案。",
    )
    funding = forms.ChoiceField(label="资金来源", choices=Application.Funding.choices)
    classified = forms.BooleanField(
        label="涉密项目（报县保密局审查确认，抄送县大数据局、县财政局）", required=False
    )
    upper_level_funded = forms.BooleanField(
        label="省、市统筹安排并拨付建设资金（抄送县大数据局备案）", required=False
    )
    upper_level_reference = forms.CharField(label="上级申报文号或说明", max_length=200, required=False)
    major_county_project = forms.BooleanField(
        label="列入县重大项目投资计划（需报县发改局立项审批）", required=False
    )
    county_decided = forms.BooleanField(
        label="经县委、县政府研究确定的项目（根据工作进度适时申报）", required=False
    )
    county_decision = forms.CharField(
        label="研究确定的依据（会议纪要或文号）", max_length=200, required=False
    )
    migration_status = forms.ChoiceField(
        label="已建基础设施和应用系统迁移整合情况", choices=Application.Migration.choices
    )
    supports_sharing_platform = _yes_no("支持政务信息资源共享交换平台")
    provides_info_per_rules = _yes_no("按规定向共享交换平台提供信息")
    sharing_needs_specified = _yes_no("已明确部门间信息共享需求")
    violates_sharing_rules = _yes_no("存在违反政务信息资源共享管理规定的情形")
    special_circumstance_reasons = forms.CharField(
        label="特殊情况说明",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="属于以上任一类的，须写明需单独建设的特殊情况。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (
            "supports_sharing_platform",
            "provides_info_per_rules",
            "sharing_needs_specified",
            "violates_sharing_rules",
        ):
            self.fields[name].group = "迁移与共享情况"
        self.fields["migration_status"].group = "迁移与共享情况"
        for kind, label in EIGHT_KINDS.items():
            field = _yes_no(f"（{kind}）{label}")
            field.group = "八类项目声明：本项目是否属于以下不再批准各单位单独建设的项目"
            self.fields[f"kind_{kind}"] = field
        declared = [
            n for n in self.fields if not n.startswith("kind_") and n != "special_circumstance_reasons"
        ]
        self.order_fields([*declared, *[f"kind_{k}" for k in EIGHT_KINDS], "special_circumstance_reasons"])

    @staticmethod
    def initial_for(application: Application) -> dict:
        initial = {
            name: getattr(application, name)
            for name in (
                "name",
                "summary",
                "has_engineering",
                "has_service",
                "funding",
                "classified",
                "upper_level_funded",
                "upper_level_reference",
                "major_county_project",
                "county_decided",
                "county_decision",
                "migration_status",
                "special_circumstance_reasons",
            )
        }
        initial["planned_investment"] = f"{application.planned_investment:.2f}"
        for name in (
            "supports_sharing_platform",
            "provides_info_per_rules",
            "sharing_needs_specified",
            "violates_sharing_rules",
        ):
            initial[name] = "yes" if getattr(application, name) else "no"
        for kind in EIGHT_KINDS:
            answer = application.declaration.get(str(kind))
            if isinstance(answer, bool):
                initial[f"kind_{kind}"] = "yes" if answer else "no"
        return initial

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        declaration = {str(kind): data.pop(f"kind_{kind}") == "yes" for kind in EIGHT_KINDS}
        for name in (
            "supports_sharing_platform",
            "provides_info_per_rules",
            "sharing_needs_specified",
            "violates_sharing_rules",
        ):
            data[name] = data[name] == "yes"
        return {**data, "declaration": declaration}


class DocumentForm(forms.Form):
    attachment = forms.TypedChoiceField(label="材料", coerce=int, choices=Template.Attachment.choices[:3])
    file = forms.FileField(label="文件", help_text="PDF、Word、WPS、OFD 等，最大 50MB。")


class SubmitForm(forms.Form):
    late = forms.ChoiceField(
        label="如已超过申报截止日",
        choices=[("refuse", "不予受理"), ("next_cycle", "转入下一年度申报")],
        widget=forms.RadioSelect,
        initial="refuse",
    )
    confirm = _confirm("我已核对申报内容，提交后不能修改")


class AssessForm(forms.Form):
    technically_complex = forms.BooleanField(
        label="认定技术设计较为复杂（须委托工程咨询单位编制建设方案）", required=False
    )
    reason = forms.CharField(label="认定理由", max_length=200, required=False)
    consulting_firm = forms.CharField(label="工程咨询单位", max_length=120, required=False)
    consulting_review_on = forms.DateField(
        label="咨询需求经县大数据局审核日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    consulting_procured_on = forms.DateField(
        label="咨询单位经政府采购确定日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ReviewStartForm(forms.Form):
    migration_completed_as_required = _yes_no(
        "申报单位已按时、按要求完成迁移整合", help_text="迁移期限与完成情况由县大数据局掌握并录入。"
    )
    legal_exception_basis = forms.CharField(
        label="法律法规明确规定的例外（填写依据即适用例外）", max_length=200, required=False
    )
    special_circumstance_accepted = forms.BooleanField(label="认定八类项目的特殊情况", required=False)
    special_circumstance_note = forms.CharField(label="特殊情况认定理由", max_length=200, required=False)
    mode = forms.ChoiceField(
        label="评审方式",
        required=False,
        choices=[("", "按投资额确定（100万元以下书面，100万元（含）以上现场）"), *Review.Mode.choices],
    )
    mode_reason = forms.CharField(label="100万元以下仍组织现场评审的理由", max_length=200, required=False)
    reviewer = forms.ModelChoiceField(
        label="受托的第三方评审机构", queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = (
            Organisation.objects.filter(users__role_grants__role=Role.EGOV_REVIEWER)
            .distinct()
            .order_by("name")
        )


class StepForm(forms.Form):
    held_on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    speakers = forms.CharField(label="发言人", max_length=200)
    summary = forms.CharField(label="内容摘要", widget=forms.Textarea(attrs={"rows": 3}))


class ReportForm(forms.Form):
    report = forms.FileField(label="项目评审报告")
    conclusion = forms.CharField(label="评审结论", widget=forms.Textarea(attrs={"rows": 3}))


class SignForm(forms.Form):
    supported = forms.ChoiceField(
        label="审核结论", choices=[("yes", "支持"), ("no", "不予支持")], widget=forms.RadioSelect
    )
    opinion = forms.CharField(label="审核意见", widget=forms.Textarea(attrs={"rows": 3}))
    confirm = _confirm("会签后不能撤回")


class FiscalSignForm(SignForm):
    approved_investment = forms.CharField(
        label="审核确定的投资（元）",
        max_length=20,
        required=False,
        help_text="支持时必填，以元为单位，最多两位小数。",
    )


class SecrecyForm(forms.Form):
    confirmed = forms.ChoiceField(
        label="审查结论", choices=[("yes", "确认，进入评审"), ("no", "不予确认")], widget=forms.RadioSelect
    )
    opinion = forms.CharField(label="保密审查意见", max_length=200)


class DevelopmentForm(forms.Form):
    reference = forms.CharField(label="立项批复文号", max_length=100)
    approved_on = forms.DateField(label="批复日期", widget=forms.DateInput(attrs={"type": "date"}))


class PlanYearForm(forms.Form):
    year = forms.IntegerField(label="计划年度", min_value=2022, max_value=2100)


class TemplateForm(forms.Form):
    attachment = forms.TypedChoiceField(label="附件", coerce=int, choices=Template.Attachment.choices)
    file = forms.FileField(label="文件")
    note = forms.CharField(label="说明", max_length=200, required=False)


class ApproveForm(forms.Form):
    reference = forms.CharField(label="县政府审定文号或会议纪要", max_length=100)
    confirm = _confirm("审定后即下达，各申报单位将收到结果")


class PlanChangeForm(forms.Form):
    reason = forms.CharField(label="调整理由（特殊或紧急情况）", widget=forms.Textarea(attrs={"rows": 3}))
    add = forms.ModelMultipleChoiceField(
        label="调入的项目（须已形成支持的审核意见）",
        required=False,
        queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    remove = forms.ModelMultipleChoiceField(
        label="调出的项目",
        required=False,
        queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, add_choices=None, remove_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if add_choices is not None:
            self.fields["add"].queryset = add_choices
        if remove_choices is not None:
            self.fields["remove"].queryset = remove_choices


STEP_LABELS = dict(OnsiteStep.Step.choices)
