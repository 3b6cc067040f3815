"""Jurisdictions (GB/T 2260 region codes) and the units inside them."""

from __future__ import annotations

from django.db import models


class RegionLevel(models.IntegerChoices):
    COUNTRY = 0, "国家"
    PROVINCE = 1, "省"
    CITY = 2, "市"
    COUNTY = 3, "县区"
    TOWN = 4, "乡镇街道"
    VILLAGE = 5, "村社区"


# How many leading digits of a code are significant at each level. Province 440000 → "44", city 440300 →
# "4403", county 440305 → "440305", town 440305001 (GB/T 10114, 9 digits) → "440305001", village: all 12.
PREFIX_LENGTH = {
    RegionLevel.COUNTRY: 0,
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWN: 9,
    RegionLevel.VILLAGE: 12,
}


class Region(models.Model):
    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.PositiveSmallIntegerField("层级", choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Significant prefix: a region's subtree is every region whose code starts with it. Matters carry the
    # region code of their place, so "everything in my jurisdiction" is one indexed prefix filter.
    prefix = models.CharField("前缀", max_length=12, db_index=True)
    full_name = models.CharField("全称", max_length=200, blank=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.full_name or self.name


class UnitKind(models.TextChoices):
    BUREAU = "bureau", "党委政府信访部门"
    DEPARTMENT = "department", "职能部门"
    POLITICAL_LEGAL = "political_legal", "政法部门"
    DISCIPLINE = "discipline", "纪检监察机关"
    STREET = "street", "街道办事处/乡镇"
    COMMUNITY = "community", "村（社区）"
    MEDIATION = "mediation", "人民调解委员会"
    GOVERNMENT = "government", "党委政府"


class Unit(models.Model):
    name = models.CharField("单位名称", max_length=100)
    short_name = models.CharField("简称", max_length=40, blank=True)
    kind = models.CharField("单位类型", max_length=20, choices=UnitKind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="units", verbose_name="所在区划"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name="上级单位",
    )
    # The unit's official mailbox for 转送/交办/督办 notices (an office address, not personal information).
    email = models.EmailField("公务邮箱", blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["region_id", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="unit_unique_name_in_region")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_bureau(self) -> bool:
        return self.kind == UnitKind.BUREAU

    @property
    def jurisdiction_prefix(self) -> str:
        return self.region.prefix
