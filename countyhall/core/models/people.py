from __future__ import annotations

from django.db import models

from countyhall.core.identity import mask_address, mask_birth_date, mask_id_number, mask_name, mask_phone

from .divisions import Division


class Person(models.Model):
    """A resident known to the platform. Personal data: read only through the scoping selectors."""

    # The audit log keeps only these masked forms: the auditor reads the log but sees names masked.
    AUDIT_MASKED_FIELDS = {
        "name": mask_name,
        "id_number": mask_id_number,
        "address": mask_address,
        "phone": mask_phone,
        "birth_date": mask_birth_date,
    }

    class Sex(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    id_number = models.CharField("身份证号", max_length=18, unique=True)
    name = models.CharField("姓名", max_length=32)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    division = models.ForeignKey(
        Division, verbose_name="居住地（区划）", on_delete=models.PROTECT, related_name="people"
    )
    address = models.CharField("住址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["division__path", "name"]

    def __str__(self) -> str:
        return f"人员 #{self.pk}"

    def audit_repr(self) -> str:
        return f"人员 #{self.pk}（{mask_name(self.name)}）"
