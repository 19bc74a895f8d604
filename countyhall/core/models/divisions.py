from __future__ import annotations

from django.db import models


class Division(models.Model):
    """An administrative division: county, town/street/development zone, village/community, natural village.

    `path` holds the codes from the county down ("/370322000000/370322001000/"), so every scoping
    query is one indexed prefix match instead of a recursive walk.
    """

    class Kind(models.TextChoices):
        COUNTY = "county", "县"
        TOWN = "town", "镇"
        STREET = "street", "街道"
        DEVELOPMENT_ZONE = "development_zone", "经济开发区"
        VILLAGE = "village", "行政村"
        COMMUNITY = "community", "社区"
        NATURAL_VILLAGE = "natural_village", "自然村"

    LEVEL_OF_KIND = {
        Kind.COUNTY: 1,
        Kind.TOWN: 2,
        Kind.STREET: 2,
        Kind.DEVELOPMENT_ZONE: 2,
        Kind.VILLAGE: 3,
        Kind.COMMUNITY: 3,
        Kind.NATURAL_VILLAGE: 4,
    }

    code = models.CharField("区划代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=64)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def level(self) -> int:
        return self.LEVEL_OF_KIND[self.kind]

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.code}/"

    def full_name(self) -> str:
        names = []
        node: Division | None = self
        while node is not None and node.kind != Division.Kind.COUNTY:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))

    def contains(self, other: Division) -> bool:
        return other.path.startswith(self.path)


class Organisation(models.Model):
    """A department, town office or outside organisation a user belongs to."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", "县政府及办公室"
        DEPARTMENT = "department", "县直部门"
        TOWN_OFFICE = "town_office", "镇（街道）办事处"
        VILLAGE_COMMITTEE = "village_committee", "村（居）委员会"
        CANTEEN_OPERATOR = "canteen_operator", "长者食堂运营方"
        CARE_ORGANISATION = "care_organisation", "照护服务组织"
        GAS_COMPANY = "gas_company", "燃气公司"
        ENTERPRISE = "enterprise", "企业"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=128, unique=True)
    short_name = models.CharField("简称", max_length=32, blank=True)
    kind = models.CharField("类型", max_length=32, choices=Kind.choices)
    division = models.ForeignKey(
        Division, verbose_name="所属/管辖区划", on_delete=models.PROTECT, related_name="organisations"
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)

    class Meta:
        verbose_name = "机构"
        verbose_name_plural = "机构"
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.short_name or self.name
