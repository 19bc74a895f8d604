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


def _small_ids(values) -> None:
    """An id posted by hand ("99999999999999999999") reaches the database as an integer SQLite cannot hold
    (OverflowError, a 500); anything but a short run of digits is refused as an invalid choice first."""
    for value in values:
        text = str(value).strip()
        if text and (not text.isascii() or not text.isdigit() or len(text) > 18):
            raise forms.ValidationError("所选项目不存在或不可选。", code="invalid_choice")


class IdChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        _small_ids([value] if value not in self.empty_values else [])
        return super().to_python(value)


class IdsChoiceField(forms.ModelMultipleChoiceField):
    def clean(self, value):
        if isinstance(value, list | tuple):
            _small_ids(value)
        return super().clean(value)


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
    reviewer = IdChoiceField(
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
    # Not "confirmed": that name is the confirmation page's own flag (views.CONFIRM).
    decision = forms.ChoiceField(
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
    add = IdsChoiceField(
        label="调入的项目（须已形成支持的审核意见）",
        required=False,
        queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    remove = IdsChoiceField(
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


# ---------------------------------------------------------------- construction and acceptance (三、（三）—（四）)

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


def _date(label: str, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text, **DATE)


def _money_field(label: str, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=20, help_text="以元为单位，最多两位小数"
    )


class ProcurementSubmitForm(forms.Form):
    file = forms.FileField(
        label="采购文件", help_text="报县大数据局审核后，方可组织政府采购（1号 三、（三）1）"
    )


class DecisionForm(forms.Form):
    approved = _yes_no("是否同意")
    opinion = forms.CharField(label="意见", max_length=300)


class ProcurementRecordForm(forms.Form):
    contractor = forms.CharField(label="项目承建单位", max_length=120)
    contract_amount = _money_field("合同金额（元）")
    procured_on = _date("采购完成日期")


class CloudRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label="类别",
        choices=[
            ("new", "新建系统（附件4）"),
            ("migrated", "迁移系统（附件5）"),
            ("change", "资源变更（附件6）"),
        ],
    )
    resources = forms.CharField(label="资源需求", widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    file = forms.FileField(label="政务云资源审批表")


class CloudDecisionForm(DecisionForm):
    request = forms.IntegerField(widget=forms.HiddenInput)


class SupervisionForm(forms.Form):
    supervisor = forms.CharField(label="工程监理单位", max_length=120)
    qualification = forms.CharField(label="监理单位资质", max_length=200)
    certificate = forms.CharField(label="总监理工程师证书编号", max_length=200)


class ExemptForm(forms.Form):
    reason = forms.CharField(label="免于监理的理由", max_length=300)


class StartForm(forms.Form):
    started_on = _date("开工日期")
    planned_acceptance_on = _date(
        "计划完成验收日期",
        required=False,
        help_text="批准的建设方案或年度计划中的验收日期（“按期验收”的期限）",
    )


class DesignChangeForm(forms.Form):
    description = forms.CharField(label="变更内容", widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    major = forms.BooleanField(label="重大设计变更（须经批准）", required=False)
    budget_effect = forms.CharField(
        label="对投资的影响（元，增加为正）", required=False, max_length=20, initial="0.00"
    )


class DesignDecisionForm(DecisionForm):
    change = forms.IntegerField(widget=forms.HiddenInput)


class InspectionForm(forms.Form):
    inspected_on = _date("检查日期")
    participants = forms.CharField(
        label="参加单位", max_length=200, initial="县财政局、县审计局、技术支撑单位"
    )
    scope = forms.CharField(label="检查内容", widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    finding = forms.CharField(label="发现的问题", required=False, max_length=2000, help_text="无问题的留空")
    major = forms.BooleanField(label="认定为重大问题", required=False)
    rectify_by = _date("整改期限", required=False)


class RectifyForm(forms.Form):
    finding = forms.IntegerField(widget=forms.HiddenInput)
    rectification = forms.CharField(label="整改情况", max_length=4000)
    rectified_on = _date("整改完成日期")


class SanctionProposeForm(forms.Form):
    finding = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label="处理方式",
        choices=[
            ("通报批评", "通报批评"),
            ("暂缓拨付", "暂缓拨付建设资金"),
            ("暂停", "暂停项目建设"),
            ("终止", "终止项目"),
        ],
    )
    reason = forms.CharField(label="处理理由", max_length=2000)


class SanctionDecideForm(forms.Form):
    sanction = forms.IntegerField(widget=forms.HiddenInput)
    approved = _yes_no("县政府是否批准")
    reference = forms.CharField(label="县政府批准文号", max_length=100, required=False)


class SanctionLiftForm(forms.Form):
    sanction = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="解除理由", max_length=300)


class PaymentForm(forms.Form):
    kind = forms.ChoiceField(
        label="资金类别",
        choices=[
            ("budget_allocation", "列入预算安排资金"),
            ("progress", "进度款"),
            ("post_acceptance", "验收后拨款"),
            ("additional_investment", "追加投资"),
        ],
    )
    amount = _money_field("金额（元）")
    paid_on = _date("拨付日期")
    note = forms.CharField(label="说明", max_length=200, required=False)


class PreliminaryForm(forms.Form):
    new_software = forms.BooleanField(label="含新开发的应用软件", required=False, initial=True)
    trial_start_on = _date("试运行开始日期")
    accepted_on = _date("初步验收日期")
    testing_body = forms.CharField(label="评测评估机构", max_length=120, required=False)
    test_report = forms.FileField(label="软件测试报告", required=False)
    security_assessment = forms.FileField(label="信息安全风险评估报告")
    exemption_reason = forms.CharField(
        label="试运行不满3个月的理由",
        max_length=300,
        required=False,
        help_text="原则上不少于3个月；不满的须写明理由",
    )


class MaterialsForm(forms.Form):
    received = forms.MultipleChoiceField(
        label="已提交的验收材料（附件7）", required=False, widget=forms.CheckboxSelectMultiple
    )
    rectification_plan = forms.CharField(
        label="整改方案和整改情况（重新申请时填写）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received"].choices = [(str(item.pk), item.name) for item in items]


class IncompleteForm(forms.Form):
    missing = forms.MultipleChoiceField(label="不齐的材料", widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label="材料不齐的情况", max_length=250)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["missing"].choices = [(str(item.pk), item.name) for item in items]


class AcceptanceDecideForm(forms.Form):
    key_params_match_plan = _yes_no("主要技术参数指标与项目审核意见确定的建设方案一致")
    catalogue_on_sharing_platform = _yes_no("项目信息资源目录已纳入共享交换平台目录管理系统")
    report_number = forms.CharField(label="竣工验收报告编号", max_length=100)
    rectify_by = _date("整改期限（不合格时填写）", required=False)


class InUseForm(forms.Form):
    on = _date("投入使用日期")


class SettlementForm(forms.Form):
    reviewer = forms.CharField(label="第三方中介机构", max_length=120)
    commissioned_on = _date("委托日期")
    completed_on = _date("结算评审完成日期")
    settled_amount = _money_field("结算审定金额（元）")
    conclusion = forms.CharField(
        label="结算评审结论", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ChecklistItemForm(forms.Form):
    name = forms.CharField(label="材料名称（按附件7《电子政务建设项目验收工作大纲》）", max_length=120)
