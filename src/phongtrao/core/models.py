"""Shared models: the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Source(models.TextChoices):
    WEB = "web", "Giao diện web"
    API = "api", "API"
    IMPORT = "import", "Nhập tệp"
    CLI = "cli", "Dòng lệnh"
    SYSTEM = "system", "Hệ thống"


class AuditEvent(models.Model):
    """One change (or read of a personal record): who, when, from where, before and after."""

    at = models.DateTimeField("thời điểm", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="người thực hiện",
    )
    action = models.CharField("hành động", max_length=64, db_index=True)
    source = models.CharField("nguồn", max_length=16, choices=Source.choices)
    target_type = models.CharField("loại đối tượng", max_length=64)
    target_id = models.CharField("mã đối tượng", max_length=64)
    orgunit = models.ForeignKey(
        "orgunits.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="đơn vị",
    )
    summary = models.CharField("tóm tắt", max_length=500, blank=True)
    before = models.JSONField("trước", null=True, blank=True)
    after = models.JSONField("sau", null=True, blank=True)
    reason = models.CharField("lý do", max_length=500, blank=True)

    class Meta:
        verbose_name = "nhật ký thay đổi"
        verbose_name_plural = "nhật ký thay đổi"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["orgunit", "at"], name="audit_orgunit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.action} {self.summary}"


class DataVersion(models.Model):
    """One row whose number changes in every transaction that changes what figures read.

    Computed figures (pivots, dashboards) are cached under this number (core/dataversion.py):
    the write that changes a value, a record, a unit or the catalog bumps it before it commits,
    so the next request after an edit finds no cached figure and computes the new one.
    """

    version = models.BigIntegerField("phiên bản", default=0)

    class Meta:
        verbose_name = "phiên bản dữ liệu"
        verbose_name_plural = "phiên bản dữ liệu"

    def __str__(self) -> str:
        return str(self.version)
