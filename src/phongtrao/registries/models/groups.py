"""Self-management groups (mô hình tự quản): "Group", never "Model", to avoid the clash."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from .common import LeadOrganisation, Record


class GroupType(models.Model):
    code = models.SlugField("mã", max_length=64, unique=True)
    name = models.CharField("tên loại mô hình", max_length=200)
    description = models.TextField("mô tả", blank=True)
    active = models.BooleanField("đang dùng", default=True)

    class Meta:
        verbose_name = "loại mô hình tự quản"
        verbose_name_plural = "loại mô hình tự quản"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Group(Record):
    name = models.CharField("tên mô hình", max_length=300)
    group_type = models.ForeignKey(
        GroupType, on_delete=models.PROTECT, related_name="groups", verbose_name="loại mô hình"
    )
    hamlet = models.CharField("thôn, tổ dân phố / địa chỉ", max_length=200, blank=True)
    lead_organisation = models.CharField(
        "tổ chức chủ trì",
        max_length=16,
        choices=LeadOrganisation.choices,
        default=LeadOrganisation.POLICE,
    )
    members = models.PositiveIntegerField("số thành viên", default=0)
    founded = models.DateField("ngày thành lập")
    dissolved = models.DateField("ngày giải thể", null=True, blank=True)

    class Meta:
        verbose_name = "mô hình tự quản"
        verbose_name_plural = "mô hình tự quản"
        ordering = ["orgunit", "name"]
        indexes = [models.Index(fields=["orgunit", "founded"], name="group_unit_founded")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.dissolved and self.founded and self.dissolved < self.founded:
            raise ValidationError({"dissolved": "Ngày giải thể phải sau ngày thành lập."})


class Grade(models.TextChoices):
    GOOD = "tot", "Tốt"
    FAIR = "kha", "Khá"
    AVERAGE = "trung_binh", "Trung bình"
    WEAK = "yeu", "Yếu"


class GroupEvaluation(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="evaluations")
    year = models.PositiveSmallIntegerField("năm")
    grade = models.CharField("xếp loại", max_length=16, choices=Grade.choices)

    class Meta:
        verbose_name = "đánh giá mô hình"
        verbose_name_plural = "đánh giá mô hình"
        ordering = ["group", "-year"]
        constraints = [models.UniqueConstraint(fields=["group", "year"], name="evaluation_year")]

    def __str__(self) -> str:
        return f"{self.group} {self.year}: {self.get_grade_display()}"
