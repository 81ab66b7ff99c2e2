"""Derived indicators: formulas over indicator codes, defined by administrators without code."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models

CODE_HELP = "chữ thường, số và dấu gạch dưới; khác mọi mã chỉ tiêu đã có"
FORMULA_HELP = (
    "phép + - * / và dấu ngoặc trên các mã chỉ tiêu, ví dụ: rehab_quit / rehab_participants * 100"
)


class DerivedIndicator(models.Model):
    """An indicator computed from others, cell by cell, after each is aggregated."""

    code = models.SlugField("mã", max_length=64, unique=True, help_text=CODE_HELP)
    name = models.CharField("tên", max_length=300)
    formula = models.CharField("công thức", max_length=1000, help_text=FORMULA_HELP)
    unit = models.CharField("đơn vị tính", max_length=40, blank=True)
    decimals = models.PositiveSmallIntegerField(
        "số chữ số thập phân", default=1, validators=[MaxValueValidator(6)]
    )
    description = models.TextField("ghi chú", blank=True)
    updated_at = models.DateTimeField("sửa lúc", auto_now=True)

    class Meta:
        verbose_name = "chỉ tiêu phái sinh"
        verbose_name_plural = "chỉ tiêu phái sinh"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} = {self.formula}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from phongtrao.core.errors import InvalidInput

        from .formulas import derived_check

        try:
            derived_check(code=self.code, formula=self.formula)
        except InvalidInput as error:
            field = error.extra.get("field", "formula")
            raise ValidationError({field: error.message}) from error


class Rollup(models.Model):
    """Registry rows added up by unit, day, month and year, kept current by the database.

    Triggers on the registry tables (statement triggers on PostgreSQL, row triggers on SQLite)
    add each inserted, changed or deleted row's events here in the same transaction (see
    `rollups.py`), so a figure is current the moment its record is saved; country-wide
    questions then read thousands of roll-up rows instead of millions of records.
    """

    source = models.CharField(max_length=32)
    grain = models.CharField(max_length=1)  # y, m, d
    anchor = models.CharField(max_length=255)  # a unit's path at depth 1 or 2 (province, district)
    bucket = models.DateField()  # the first day of the year or month, or the day
    ident = models.CharField(max_length=64, blank=True)  # group type, wanted, recipient kind
    rows = models.BigIntegerField(default=0)  # records; for stocks, founded minus dissolved
    amount = models.DecimalField(max_digits=24, decimal_places=4, default=0)

    class Meta:
        verbose_name = "số liệu cộng sẵn"
        verbose_name_plural = "số liệu cộng sẵn"
        # Its unique index is made with the triggers (`rollups.rollups_install`); on PostgreSQL
        # it carries the counts (INCLUDE), so reading the roll-up never visits table pages,
        # which the triggers update in no useful order.

    def __str__(self) -> str:
        return f"{self.source} {self.anchor} {self.grain}{self.bucket}: {self.rows}"


class ValueRollup(models.Model):
    """Entered values added up by province and district for each element and stored period.

    Kept like `Rollup` by triggers; it answers for flows (elements summed over time and over
    units), whose totals add up. Stocks and distinct counts are
    read from the values themselves.
    """

    element_id = models.BigIntegerField()
    anchor = models.CharField(max_length=255)
    period_start = models.DateField()
    period_end = models.DateField()
    rows = models.BigIntegerField(default=0)
    total = models.DecimalField(max_digits=28, decimal_places=4, default=0)

    class Meta:
        verbose_name = "số liệu nhập cộng sẵn"
        verbose_name_plural = "số liệu nhập cộng sẵn"
        # As for Rollup, its unique index is made with the triggers.

    def __str__(self) -> str:
        return f"{self.element_id} {self.anchor} {self.period_start}..{self.period_end}"


class PeopleRollup(models.Model):
    """The people of the span registries by province and district and year, kept by the database.

    One row per (registry, identity, province or district, year, person) the person is in a
    span of that year there; `rows` counts the spans, and a row whose spans are all gone is
    deleted, so counting people is counting rows. Kept like `Rollup` by triggers, it counts a
    person once however many spans, communes or districts they have within the unit.
    """

    source = models.CharField(max_length=32)
    ident = models.CharField(max_length=64, blank=True)  # "": every span; an outcome: only it
    # y: a year of a closed span; o: an open span, from that year on; x: a span that ended in
    # a year before the one it started in (a bulk edit skips `clean`), kept from that year.
    grain = models.CharField(max_length=1)
    anchor = models.CharField(max_length=255)  # a unit's path at depth 1 or 2
    year = models.IntegerField()
    person_id = models.BigIntegerField()
    rows = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "người cộng sẵn theo năm"
        verbose_name_plural = "người cộng sẵn theo năm"
        # As for Rollup, its unique index is made with the triggers.

    def __str__(self) -> str:
        return f"{self.source} {self.anchor} {self.grain}{self.year}: {self.person_id}"
