"""What every registry record has: the unit it belongs to, who wrote it and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from phongtrao.orgunits.models import OrgUnit


class LeadOrganisation(models.TextChoices):
    POLICE = "cong_an", "Công an"
    FRONT = "mttq", "Mặt trận Tổ quốc"
    WOMEN = "hoi_lhpn", "Hội Liên hiệp Phụ nữ"
    YOUTH = "doan_tn", "Đoàn Thanh niên"
    FARMERS = "hoi_nong_dan", "Hội Nông dân"
    VETERANS = "hoi_ccb", "Hội Cựu chiến binh"
    UNION = "cong_doan", "Công đoàn"
    GOVERNMENT = "chinh_quyen", "Chính quyền"
    OTHER = "khac", "Khác"


class Record(models.Model):
    """Base of every registry row."""

    orgunit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="đơn vị"
    )
    note = models.TextField("ghi chú", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    updated_at = models.DateTimeField("sửa lúc", auto_now=True)

    class Meta:
        abstract = True
