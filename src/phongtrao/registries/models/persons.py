"""People: under community education, in rehab, surrendering. Sensitive: scoped and audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from .. import crypto
from .common import LeadOrganisation, Record


class Sex(models.TextChoices):
    MALE = "nam", "Nam"
    FEMALE = "nu", "Nữ"


class Person(Record):
    """A person known to a commune; orgunit is the commune of residence."""

    full_name = models.CharField("họ và tên", max_length=200)
    birth_year = models.PositiveSmallIntegerField("năm sinh", null=True, blank=True)
    sex = models.CharField("giới tính", max_length=8, choices=Sex.choices, blank=True)
    # The number is stored encrypted; the blind index finds duplicates without decrypting.
    national_id_encrypted = models.TextField(blank=True, editable=False)
    national_id_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = "người"
        verbose_name_plural = "người"
        ordering = ["orgunit", "full_name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def national_id(self) -> str:
        return crypto.decrypt(self.national_id_encrypted) if self.national_id_encrypted else ""

    @national_id.setter
    def national_id(self, value: str) -> None:
        value = (value or "").strip()
        if value and not (value.isdigit() and len(value) in (9, 12)):
            raise ValidationError({"national_id": "Số định danh phải gồm 9 hoặc 12 chữ số."})
        self.national_id_encrypted = crypto.encrypt(value) if value else ""
        self.national_id_index = crypto.blind_index(value) if value else ""

    @property
    def national_id_masked(self) -> str:
        return crypto.mask(self.national_id)


class ReasonCategory(models.TextChoices):
    MINOR_OFFENCE = "vi_pham_nho", "Vi phạm pháp luật nhưng chưa đến mức xử lý hình sự"
    RELEASED = "chap_hanh_xong_an", "Chấp hành xong án phạt tù trở về"
    DRUGS = "ma_tuy", "Liên quan ma túy"
    SOCIAL_EVILS = "te_nan", "Tệ nạn xã hội"
    EDUCATION_MEASURE = "giao_duc_tai_xa", "Giáo dục tại xã, phường, thị trấn"
    OTHER = "khac", "Khác"


class EpisodeResult(models.TextChoices):
    IN_PROGRESS = "dang_giup_do", "Đang giúp đỡ"
    REFORMED = "tien_bo", "Tiến bộ, hoàn lương"
    REOFFENDED = "tai_pham", "Tái phạm"
    MOVED = "chuyen_di", "Chuyển đi nơi khác"
    OTHER = "khac", "Khác"


class ManagementEpisode(Record):
    """A span during which a commune managed, educated and helped a person."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="episodes", verbose_name="người"
    )
    start = models.DateField("từ ngày")
    end = models.DateField("đến ngày", null=True, blank=True)
    reason = models.CharField("diện quản lý", max_length=32, choices=ReasonCategory.choices)
    assigned_organisation = models.CharField(
        "tổ chức được giao", max_length=16, choices=LeadOrganisation.choices
    )
    mentor = models.CharField("người giúp đỡ", max_length=200, blank=True)
    result = models.CharField(
        "kết quả", max_length=16, choices=EpisodeResult.choices, default=EpisodeResult.IN_PROGRESS
    )

    class Meta:
        verbose_name = "đợt quản lý, giáo dục"
        verbose_name_plural = "đợt quản lý, giáo dục"
        ordering = ["person", "start"]
        indexes = [models.Index(fields=["orgunit", "start"], name="episode_unit_start")]

    def __str__(self) -> str:
        return f"{self.person} từ {self.start:%d/%m/%Y}"

    def clean(self) -> None:
        if self.end and self.start and self.end < self.start:
            raise ValidationError({"end": "Ngày kết thúc phải sau ngày bắt đầu."})
