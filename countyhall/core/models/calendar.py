from __future__ import annotations

from django.conf import settings
from django.db import models


class CalendarYear(models.Model):
    """A year the working-day calendar knows. A date in a year without a row is an error, not a guess."""

    class Source(models.TextChoices):
        PACKAGE = "package", "chinese-calendar 数据包"
        ADMINISTRATOR = "administrator", "管理员录入"
        # Entered from the State Council's notice in one form (holidays and 调休 days): the year's citation.
        NOTICE = "notice", "国务院办公厅通知（管理员录入）"

    year = models.PositiveIntegerField("年份", primary_key=True)
    source = models.CharField("来源", max_length=16, choices=Source.choices)
    basis = models.CharField(
        "依据", max_length=200, blank=True, help_text="如：国务院办公厅关于2027年部分节假日安排的通知"
    )
    citation = models.CharField(
        "文号", max_length=64, blank=True, help_text="所依据通知的文号，如：国办发明电〔2026〕X号"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="录入人",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "日历年份"
        verbose_name_plural = "日历年份"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年"


class CalendarDay(models.Model):
    """Every day of a known year: working day or not, and why (weekend, holiday, 调休 make-up day)."""

    class Kind(models.TextChoices):
        WORKDAY = "workday", "工作日"
        WEEKEND = "weekend", "周末"
        HOLIDAY = "holiday", "法定节假日"
        MAKEUP_WORKDAY = "makeup_workday", "调休上班"

    date = models.DateField("日期", primary_key=True)
    year = models.ForeignKey(CalendarYear, on_delete=models.PROTECT, related_name="days")
    is_workday = models.BooleanField("是否工作日")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    holiday_name = models.CharField("节日", max_length=32, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="修正人",
    )
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "日历日"
        verbose_name_plural = "日历日"
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(is_workday=True, kind__in=["workday", "makeup_workday"])
                    | models.Q(is_workday=False, kind__in=["weekend", "holiday"])
                ),
                name="calendar_kind_matches_workday",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"
