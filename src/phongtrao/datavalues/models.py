"""Aggregate values (one number per element x option x org unit x period) and their workflow."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from phongtrao.catalog.models import CategoryOption, DataElement, DataSet
from phongtrao.core.models import Source
from phongtrao.orgunits.models import Level, OrgUnit

from .periods import Period, PeriodKind


class PeriodFields(models.Model):
    """Explicit start and end dates: never assume calendar periods."""

    period_kind = models.CharField(
        "loại kỳ", max_length=8, choices=[(k.value, k.value) for k in PeriodKind]
    )
    period_start = models.DateField("từ ngày")
    period_end = models.DateField("đến ngày")
    period_windows = models.BooleanField("kỳ báo cáo hành chính", default=False)

    class Meta:
        abstract = True

    @property
    def period(self) -> Period:
        return Period(
            PeriodKind(self.period_kind), self.period_start, self.period_end, self.period_windows
        )

    @staticmethod
    def period_fields(period: Period) -> dict[str, object]:
        return {
            "period_kind": period.kind.value,
            "period_start": period.start,
            "period_end": period.end,
            "period_windows": period.windows,
        }


def value_key(element_id: int, option_id: int, orgunit_id: int, period: Period) -> str:
    """Return the audit key of a cell; it outlives deletion and re-creation of the value."""
    return f"{element_id}/{option_id}/{orgunit_id}/{period.start}/{period.end}"


class DataValue(PeriodFields):
    element = models.ForeignKey(
        DataElement, on_delete=models.PROTECT, related_name="values", verbose_name="chỉ tiêu"
    )
    option = models.ForeignKey(
        CategoryOption, on_delete=models.PROTECT, related_name="+", verbose_name="phân tổ"
    )
    orgunit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="đơn vị"
    )
    value = models.DecimalField("giá trị", max_digits=20, decimal_places=4)
    comment = models.CharField("ghi chú", max_length=500, blank=True)
    # Optimistic locking: a writer must name the version it read, or meet a conflict.
    version = models.PositiveIntegerField("phiên bản", default=1)
    needs_review = models.BooleanField("cần xem lại (bất thường)", default=False)
    source = models.CharField("nguồn", max_length=16, choices=Source.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField("sửa lúc", auto_now=True)

    class Meta:
        verbose_name = "số liệu"
        verbose_name_plural = "số liệu"
        constraints = [
            models.UniqueConstraint(
                fields=["element", "option", "orgunit", "period_start", "period_end"],
                name="datavalue_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["orgunit", "period_start", "period_end"], name="datavalue_unit_period"
            ),
            models.Index(fields=["element", "period_start"], name="datavalue_element_start"),
        ]

    def __str__(self) -> str:
        return f"{self.element.code} {self.orgunit.code} {self.period_start}: {self.value}"


class Submission(PeriodFields):
    """A data set declared complete by the entering unit for a period."""

    dataset = models.ForeignKey(DataSet, on_delete=models.PROTECT, related_name="+")
    orgunit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField("nộp lúc")

    class Meta:
        verbose_name = "báo cáo đã nộp"
        verbose_name_plural = "báo cáo đã nộp"
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "orgunit", "period_start", "period_end"],
                name="submission_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dataset.code} {self.orgunit.code} {self.period}"


class Approval(PeriodFields):
    """A data set of one unit for one period, approved at a level (district, then province)."""

    dataset = models.ForeignKey(DataSet, on_delete=models.PROTECT, related_name="+")
    orgunit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    level = models.CharField("cấp phê duyệt", max_length=16, choices=Level.choices)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField("duyệt lúc")

    class Meta:
        verbose_name = "phê duyệt"
        verbose_name_plural = "phê duyệt"
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "orgunit", "period_start", "period_end", "level"],
                name="approval_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dataset.code} {self.orgunit.code} {self.period} {self.level}"
