"""Administrative units of Viet Nam, dated, in one table for every hierarchy version."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q


class Hierarchy(models.TextChoices):
    # Before 1/7/2025: province > district > commune. From 1/7/2025: province > commune.
    OLD = "2008", "Trước 01/7/2025 (3 cấp)"
    NEW = "2025", "Từ 01/7/2025 (2 cấp)"
    # Trees imported from a DHIS2 instance (codes are DHIS2 UIDs); not Vietnamese units.
    DHIS2 = "dhis2", "DHIS2 (nhập từ hệ thống khác)"


class Level(models.TextChoices):
    # The root of each official tree: the whole country, above its provinces.
    COUNTRY = "country", "Cấp quốc gia"
    PROVINCE = "province", "Cấp tỉnh"
    DISTRICT = "district", "Cấp huyện"
    COMMUNE = "commune", "Cấp xã"
    # Below commune: health facilities and other service points of imported (DHIS2) trees.
    FACILITY = "facility", "Cấp cơ sở"


# The country unit heads each official tree under this code, at depth 0, with the tree's own
# root path ("2008/", "2025/"): every unit of the tree lies under it without a path changing.
COUNTRY_CODE = "VN"
COUNTRY_NAME = "Việt Nam"
OFFICIAL_HIERARCHIES = (Hierarchy.OLD, Hierarchy.NEW)


class OrgUnitQuerySet(models.QuerySet["OrgUnit"]):
    def valid_on(self, day: date) -> OrgUnitQuerySet:
        return self.filter(Q(valid_from__lte=day) | Q(valid_from__isnull=True)).filter(
            Q(valid_to__gte=day) | Q(valid_to__isnull=True)
        )

    def valid_during(self, start: date, end: date) -> OrgUnitQuerySet:
        return self.filter(Q(valid_from__lte=end) | Q(valid_from__isnull=True)).filter(
            Q(valid_to__gte=start) | Q(valid_to__isnull=True)
        )

    def descendants_of(self, unit: OrgUnit, *, include_self: bool = False) -> OrgUnitQuerySet:
        qs = self.filter(path__startswith=unit.path)
        return qs if include_self else qs.exclude(pk=unit.pk)


class OrgUnit(models.Model):
    """One administrative unit (tỉnh, huyện, xã...) valid over a span of dates."""

    hierarchy = models.CharField("phiên bản", max_length=8, choices=Hierarchy.choices)
    code = models.CharField("mã", max_length=16)
    name = models.CharField("tên", max_length=200)
    short_name = models.CharField("tên ngắn", max_length=200)
    unit_type = models.CharField("loại", max_length=40)
    level = models.CharField("cấp", max_length=16, choices=Level.choices)
    depth = models.PositiveSmallIntegerField("độ sâu")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # "<hierarchy>/<code>/<code>/.../": every descendant's path starts with its ancestor's.
    path = models.CharField("đường dẫn", max_length=255, unique=True)
    search_name = models.CharField("tên không dấu", max_length=200, db_index=True)
    valid_from = models.DateField("hiệu lực từ", null=True, blank=True)
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)
    source = models.CharField("nguồn", max_length=80, blank=True)
    contact_name = models.CharField("người liên hệ", max_length=120, blank=True)
    contact_phone = models.CharField("điện thoại", max_length=40, blank=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = "đơn vị hành chính"
        verbose_name_plural = "đơn vị hành chính"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["hierarchy", "code"], name="orgunit_code_per_hierarchy")
        ]
        indexes = [
            models.Index(
                fields=["path"], name="orgunit_path_like", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["hierarchy", "level"], name="orgunit_hierarchy_level"),
            # Files name units by code alone, and a commune code may exist in both trees: an
            # import asks for every unit of its codes at once, then picks by (tree, validity).
            models.Index(fields=["code", "hierarchy"], name="orgunit_code_hierarchy"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    @property
    def is_country(self) -> bool:
        return self.level == Level.COUNTRY

    def ancestor_paths(self) -> list[str]:
        """Return the paths of this unit's ancestors, the tree's root (the country) first."""
        parts = self.path.rstrip("/").split("/")
        return ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]


class OrgUnitSuccession(models.Model):
    """An old unit that became (all or part of) a new one on a given date: the mapping is data."""

    old = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="successors")
    new = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="predecessors")
    effective = models.DateField("ngày hiệu lực")
    partial = models.BooleanField("chỉ một phần", default=False)
    # How an old unit split among several new ones is attributed when a value or a record has no
    # finer location: the administrator's shares when set (they sum to 1 over the old unit's
    # successors), else everything to the successor that took the old unit's seat.
    share = models.DecimalField(
        "tỉ lệ phân bổ", max_digits=5, decimal_places=4, null=True, blank=True
    )
    seat = models.BooleanField("nhận trụ sở", default=False)

    class Meta:
        verbose_name = "chuyển đổi đơn vị"
        verbose_name_plural = "chuyển đổi đơn vị"
        constraints = [models.UniqueConstraint(fields=["old", "new"], name="succession_unique")]

    def __str__(self) -> str:
        return f"{self.old} → {self.new}"
