"""Surrenders, weapon hand-overs and poppy eradication: dated events in a commune."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models

from phongtrao.catalog.indicators import part_units

from .common import LeadOrganisation, Record
from .persons import Person


class Surrender(Record):
    date = models.DateField("ngày ra đầu thú")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="surrenders", verbose_name="người"
    )
    wanted = models.BooleanField("đang bị truy nã", default=False)
    warrant_reference = models.CharField("số lệnh truy nã", max_length=100, blank=True)
    persuading_organisation = models.CharField(
        "tổ chức vận động",
        max_length=16,
        choices=LeadOrganisation.choices,
        default=LeadOrganisation.POLICE,
    )

    class Meta:
        verbose_name = "đối tượng ra đầu thú"
        verbose_name_plural = "đối tượng ra đầu thú"
        ordering = ["-date"]
        indexes = [models.Index(fields=["orgunit", "date"], name="surrender_unit_date")]

    def __str__(self) -> str:
        return f"{self.person} ({self.date:%d/%m/%Y})"


class HandoverKind(models.TextChoices):
    # Codes match the options of the catalog's weapon_kind split.
    GUN = "sung", "Súng"
    AMMUNITION = "dan", "Đạn"
    GRENADE = "luu_dan", "Lựu đạn"
    MINE = "min", "Mìn"
    EXPLOSIVE = "vat_lieu_no", "Vật liệu nổ"
    SUPPORT_TOOL = "cong_cu_ho_tro", "Công cụ hỗ trợ"


# Each kind's counting unit, from the indicator registry (khẩu, viên, quả, kg, chiếc).
HANDOVER_UNITS: dict[str, str] = part_units("weapons_explosives_collected")


class Handover(Record):
    date = models.DateField("ngày giao nộp")
    kind = models.CharField("loại", max_length=16, choices=HandoverKind.choices)
    quantity = models.DecimalField(
        "số lượng", max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    unit = models.CharField("đơn vị tính", max_length=16, blank=True)

    class Meta:
        verbose_name = "giao nộp vũ khí, VLN, CCHT"
        verbose_name_plural = "giao nộp vũ khí, VLN, CCHT"
        ordering = ["-date"]
        indexes = [models.Index(fields=["orgunit", "date"], name="handover_unit_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} {self.unit} ({self.date:%d/%m/%Y})"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.unit = self.unit or HANDOVER_UNITS.get(self.kind, "")
        super().save(*args, **kwargs)


class PoppyEradication(Record):
    date = models.DateField("ngày triệt phá")
    location = models.CharField("địa điểm", max_length=300)
    area_ha = models.DecimalField(
        "diện tích (ha)", max_digits=10, decimal_places=4, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = "triệt phá cây thuốc phiện"
        verbose_name_plural = "triệt phá cây thuốc phiện"
        ordering = ["-date"]
        indexes = [models.Index(fields=["orgunit", "date"], name="poppy_unit_date")]

    def __str__(self) -> str:
        return f"{self.location} {self.area_ha} ha ({self.date:%d/%m/%Y})"
