"""Community drug rehabilitation: rounds and the people enrolled in them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from .common import Record
from .persons import Person


class RehabRound(Record):
    name = models.CharField("tên đợt", max_length=200, blank=True)
    start = models.DateField("bắt đầu")
    end = models.DateField("kết thúc", null=True, blank=True)
    # Set on the part of a round that goes on in a successor unit after a reorganisation
    # (`phongtrao orgunits rehome`): the same round, so it is not counted as a new one.
    continued_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="continuations",
        verbose_name="tiếp nối đợt",
    )

    class Meta:
        verbose_name = "đợt cai nghiện tại cộng đồng"
        verbose_name_plural = "đợt cai nghiện tại cộng đồng"
        ordering = ["orgunit", "start"]
        indexes = [models.Index(fields=["orgunit", "start"], name="rehab_unit_start")]

    def __str__(self) -> str:
        return self.name or f"Đợt cai nghiện từ {self.start:%d/%m/%Y}"

    def clean(self) -> None:
        if self.end and self.start and self.end < self.start:
            raise ValidationError({"end": "Ngày kết thúc phải sau ngày bắt đầu."})


class RehabOutcome(models.TextChoices):
    IN_PROGRESS = "dang_cai", "Đang cai nghiện"
    QUIT = "tu_bo", "Hoàn thành, từ bỏ được ma túy"
    RELAPSED = "tai_nghien", "Tái nghiện"
    DROPPED_OUT = "bo_cuoc", "Bỏ dở"
    TRANSFERRED = "chuyen_co_so", "Chuyển cơ sở cai nghiện"


class RehabEnrolment(models.Model):
    round = models.ForeignKey(
        RehabRound, on_delete=models.CASCADE, related_name="enrolments", verbose_name="đợt"
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="enrolments", verbose_name="người"
    )
    outcome = models.CharField(
        "kết quả", max_length=16, choices=RehabOutcome.choices, default=RehabOutcome.IN_PROGRESS
    )

    class Meta:
        verbose_name = "người tham gia cai nghiện"
        verbose_name_plural = "người tham gia cai nghiện"
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="enrolment_once")]

    def __str__(self) -> str:
        return f"{self.person} — {self.round}"
