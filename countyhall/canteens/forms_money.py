"""Forms of the price list, terminal and late-entry pages."""

from __future__ import annotations

from django import forms

from countyhall.canteens.models import PriceListEntry

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PriceForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=PriceListEntry.Kind.choices)
    label = forms.CharField(label="餐品名称（高标准餐填写）", max_length=60, required=False)
    price = forms.DecimalField(label="价格（元）", max_digits=12, decimal_places=2)
    valid_from = forms.DateField(label="执行日期", widget=DATE)
    note = forms.CharField(label="说明", max_length=200, required=False)


class TerminalIssueForm(forms.Form):
    name = forms.CharField(label="终端名称", max_length=60, help_text="如：一号窗口平板")


class ConfirmedReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=300)
    confirm = forms.BooleanField(label="我已确认", error_messages={"required": "请勾选“我已确认”。"})


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label="我已确认", error_messages={"required": "请勾选“我已确认”。"})


class LateEntryForm(forms.Form):
    identifier = forms.CharField(label="身份证号或就餐卡号", max_length=32)
    meal_date = forms.DateField(label="就餐日期", widget=DATE)
    reason = forms.CharField(label="补录原因", max_length=300, help_text="如：当日网络中断，纸质登记表编号")


class LateEntryDecisionForm(forms.Form):
    # No pre-selected outcome: the reviewer chooses.
    decision = forms.ChoiceField(
        label="审核", choices=[("", "请选择"), ("approve", "同意补录"), ("reject", "不同意")]
    )
    reason = forms.CharField(label="审核意见", max_length=300)
    confirm = forms.BooleanField(label="我已确认", error_messages={"required": "请勾选“我已确认”。"})


class BackdateWindowForm(forms.Form):
    days = forms.IntegerField(label="补录期限（天）", min_value=0, max_value=366)
    valid_from = forms.DateField(label="起始日期", required=False, help_text="为空时自明日起", widget=DATE)
    reason = forms.CharField(label="理由", max_length=200, required=False)
