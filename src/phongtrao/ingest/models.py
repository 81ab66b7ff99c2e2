"""External identifiers (DHIS2 UIDs...) mapped to our objects, kept as data."""

from __future__ import annotations

from django.db import models


class ExternalId(models.Model):
    """Our object of a kind known to an external system under its own id."""

    class Kind(models.TextChoices):
        ORGUNIT = "orgunit", "Đơn vị"
        ELEMENT = "element", "Chỉ tiêu"
        COMBO = "combo", "Cách phân tổ"
        OPTION = "option", "Thành phần phân tổ"
        DATASET = "dataset", "Biểu mẫu"
        RULE = "rule", "Quy tắc"

    system = models.CharField("hệ thống", max_length=32, default="dhis2")
    kind = models.CharField("loại", max_length=16, choices=Kind.choices)
    uid = models.CharField("mã bên ngoài", max_length=64)
    object_id = models.PositiveBigIntegerField("mã nội bộ")
    name = models.CharField("tên bên ngoài", max_length=300, blank=True)

    class Meta:
        verbose_name = "ánh xạ mã bên ngoài"
        verbose_name_plural = "ánh xạ mã bên ngoài"
        constraints = [
            models.UniqueConstraint(fields=["system", "kind", "uid"], name="external_id_unique")
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="external_id_object")]

    def __str__(self) -> str:
        return f"{self.system}:{self.kind}:{self.uid} → {self.object_id}"
