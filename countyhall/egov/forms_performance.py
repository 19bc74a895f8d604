"""The forms of the operation and performance pages (1号 三、（五）, 四、): labels and help in Chinese; the services in
egov/performance.py validate again and name the field."""

from __future__ import annotations

from django import forms

from countyhall.egov.models import (
    NextYearDecision,
    OperationArrangement,
    PerformanceEvaluation,
    SupplierRating,
)

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class OperationForm(forms.Form):
    mode = forms.ChoiceField(
        label="运行维护方式", choices=OperationArrangement.Mode.choices, widget=forms.RadioSelect
    )
    provider = forms.CharField(
        label="运维机构", max_length=120, help_text="依托政务云的写受托专业公司；部门系统写本单位。"
    )
    contract_reference = forms.CharField(label="政府采购合同或委托说明", max_length=200, required=False)
    start_on = forms.DateField(label="运维开始日期", **DATE)
    note = forms.CharField(label="说明", max_length=200, required=False)


class EvaluationForm(forms.Form):
    round = forms.ChoiceField(label="评估类别", choices=PerformanceEvaluation.Round.choices)
    evaluated_on = forms.DateField(label="评估日期", **DATE)
    score = forms.CharField(label="得分", max_length=10, help_text="按管理员录入的评分量表，最多两位小数。")
    progress = forms.CharField(label="建设进度", widget=forms.Textarea(attrs={"rows": 2}))
    funds = forms.CharField(label="资金使用", widget=forms.Textarea(attrs={"rows": 2}))
    operation = forms.CharField(label="运行情况", widget=forms.Textarea(attrs={"rows": 2}))
    effect = forms.CharField(label="应用效果", widget=forms.Textarea(attrs={"rows": 2}))
    verdict = forms.ChoiceField(
        label="评估结论",
        choices=PerformanceEvaluation.Verdict.choices,
        widget=forms.RadioSelect,
        help_text="由评估人作出；平台不根据得分推定“绩效低下”。",
    )
    rectification_due = forms.DateField(
        label="整改期限", required=False, help_text="绩效低下时必填。", **DATE
    )


class RatingForm(forms.Form):
    kind = forms.ChoiceField(label="单位类别", choices=SupplierRating.Kind.choices)
    supplier = forms.CharField(label="单位名称", max_length=120)
    score = forms.CharField(label="得分", max_length=10, help_text="按管理员录入的评分量表，最多两位小数。")
    rated_on = forms.DateField(label="评估日期", **DATE)
    note = forms.CharField(label="评估意见", max_length=200)


class NextYearForm(forms.Form):
    decision = forms.ChoiceField(
        label="处理决定", choices=NextYearDecision.Decision.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label="决定理由", widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(
        label="我已核对提示理由；决定一经作出不能修改",
        required=True,
        error_messages={"required": "请勾选确认。"},
    )


class AsOfForm(forms.Form):
    as_of = forms.DateField(label="截至日期", required=False, **DATE)
    kind = forms.ChoiceField(
        label="单位类别", choices=[("", "全部"), *SupplierRating.Kind.choices], required=False
    )
