"""The register's administrator forms (issue 15): thin, the rules are in services."""

from __future__ import annotations

import re

from django import forms

from .models import DocumentEvent

KIND_CHOICES = [(k.value, k.label) for k in DocumentEvent.Kind if k in DocumentEvent.ADMINISTERED_KINDS]
# The <datalist> of the register's documents the event pages print (value 文号, label the title): a document is
# chosen by its 文号 or its title, and one not printed in the gazette is typed by its 文号.
DOCUMENTS_LIST = "gazette-documents"


class EventFields(forms.Form):
    kind = forms.ChoiceField(label="事件", choices=KIND_CHOICES)
    date = forms.DateField(
        label="生效日期",
        help_text="自该日起生效（修改后的文本自该日起施行），格式 2024-01-01；不能早于依据文件的成文日期",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    cause_number = forms.CharField(
        label="依据文件",
        max_length=200,
        help_text="引起该事件的文件：从列表中选择，或填写文号，例如废止它的决定的文号",
        widget=forms.TextInput(attrs={"list": DOCUMENTS_LIST, "autocomplete": "off"}),
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
    version = forms.IntegerField(
        label="修改后文本（版本）",
        required=False,
        min_value=1,
        help_text="修改时选填：修改后的文本是第几版（可先登记，后导入该版文本）；按日期查看时自生效日期起显示该版",
    )
    note = forms.CharField(
        label="理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text="登记的理由或说明"
    )

    def clean_clauses(self) -> list[str]:
        raw = self.cleaned_data.get("clauses", "")
        # A clause path itself holds "、" (五、（一）2): split only where a new path starts after it.
        parts = re.split(r"[，,；;\s]+|、(?=[一二三四五六七八九十]+、)", raw)
        return [p.strip() for p in parts if p and p.strip()]


class EventForm(EventFields):
    number = forms.CharField(
        label="文件",
        max_length=200,
        help_text="发生该事件的文件：从列表中选择，或填写文号，例如 高政办发〔2021〕2号",
        widget=forms.TextInput(attrs={"list": DOCUMENTS_LIST, "autocomplete": "off"}),
    )
    field_order = ["number", "kind", "date", "cause_number", "cause_line", "clauses", "version", "note"]


class EventCorrectForm(EventFields):
    reason = forms.CharField(
        label="更正理由",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="为什么更正：原登记保留，更正后的登记取代它",
    )


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
