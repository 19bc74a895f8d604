"""The register's administrator forms (issue 15): thin, the rules are in services."""

from __future__ import annotations

from django import forms

from .models import DocumentEvent

KIND_CHOICES = [(k.value, k.label) for k in DocumentEvent.Kind if k in DocumentEvent.ADMINISTERED_KINDS]


class EventForm(forms.Form):
    number = forms.CharField(
        label="文件（文号）", max_length=64, help_text="发生该事件的文件，例如 高政办发〔2021〕2号"
    )
    kind = forms.ChoiceField(label="事件", choices=KIND_CHOICES)
    date = forms.DateField(
        label="日期",
        help_text="事件自该日起生效，如废止决定所定的废止日期",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    cause_number = forms.CharField(
        label="依据文件（文号）", max_length=64, help_text="引起该事件的文件，例如废止它的决定的文号"
    )
    cause_line = forms.IntegerField(
        label="依据行号", required=False, min_value=1, help_text="依据文件在公报中的行号（若已刊载于本公报）"
    )
    clauses = forms.CharField(
        label="所涉条款",
        required=False,
        max_length=300,
        help_text="修改时必填，多个条款以顿号或逗号分隔，例如 五、（一）2、五、（二）1",
    )
    note = forms.CharField(
        label="说明", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(
        label="我已核对依据文件，确认登记（登记后不可删除；录错的可在文件登记簿中写明理由撤销）"
    )

    def clean_clauses(self) -> list[str]:
        import re

        raw = self.cleaned_data.get("clauses", "")
        # A clause path itself holds "、" (五、（一）2): split only where a new path starts after it.
        parts = re.split(r"[，,；;\s]+|、(?=[一二三四五六七八九十]+、)", raw)
        return [p.strip() for p in parts if p and p.strip()]


class RetainedListForm(forms.Form):
    text = forms.CharField(
        label="保留文件目录（每行一个文号）",
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text="按县政府网站所载高政字〔2021〕60号附件逐行录入，共18件；再次录入将替换原目录",
    )
    note = forms.CharField(label="来源说明", required=False, max_length=500)
    confirm = forms.BooleanField(label="我已与附件原文核对，确认录入")


class EventWithdrawForm(forms.Form):
    reason = forms.CharField(
        label="撤销理由",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="写明登记错在哪里，例如“依据文件文号录错，应为高政办发〔2022〕1号”；撤销后可重新登记正确的事件",
    )
    confirm = forms.BooleanField(label="确认撤销这条登记（登记保留并标明已撤销，不再计入文件效力）")
