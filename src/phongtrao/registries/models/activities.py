"""Propaganda rounds, welfare actions, conferences with bridge points, and commendations."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models

from phongtrao.orgunits.models import Level, OrgUnit

from .common import Record


class PropagandaActivity(Record):
    """One propaganda round (đợt tuyên truyền) with its attendance (lượt người)."""

    date = models.DateField("ngày")
    topic = models.CharField("nội dung", max_length=300)
    organisers = models.CharField("đơn vị tổ chức", max_length=300, blank=True)
    attendance = models.PositiveIntegerField("số lượt người dự")

    class Meta:
        verbose_name = "đợt tuyên truyền"
        verbose_name_plural = "đợt tuyên truyền"
        ordering = ["-date"]
        indexes = [models.Index(fields=["orgunit", "date"], name="propaganda_unit_date")]

    def __str__(self) -> str:
        return f"{self.topic} ({self.date:%d/%m/%Y})"


class WelfareKind(models.TextChoices):
    SOCIAL_SECURITY = "an_sinh", "An sinh xã hội"
    CHARITY = "tu_thien", "Từ thiện"
    GIFTS = "tang_qua", "Tặng quà"
    HOUSING = "nha_o", "Xây, sửa nhà"
    OTHER = "khac", "Khác"


class WelfareAction(Record):
    date = models.DateField("ngày")
    kind = models.CharField("loại", max_length=16, choices=WelfareKind.choices)
    description = models.CharField("nội dung", max_length=300, blank=True)
    value_vnd = models.DecimalField(
        "trị giá (đồng)",
        max_digits=16,
        decimal_places=0,
        default=0,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = "hoạt động an sinh, từ thiện"
        verbose_name_plural = "hoạt động an sinh, từ thiện"
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.date:%d/%m/%Y})"


class EventKind(models.TextChoices):
    CONFERENCE = "hoi_nghi", "Hội nghị"
    SECURITY_DAY = "ngay_hoi_antq", "Ngày hội Toàn dân bảo vệ ANTQ (19/8)"
    UNITY_DAY = "ngay_hoi_dai_doan_ket", "Ngày hội Đại đoàn kết toàn dân tộc"
    OTHER = "khac", "Khác"


class Event(Record):
    """A conference or festival held by the unit in orgunit (the host)."""

    date = models.DateField("ngày")
    kind = models.CharField("loại", max_length=32, choices=EventKind.choices)
    name = models.CharField("tên", max_length=300)
    level = models.CharField("cấp tổ chức", max_length=16, choices=Level.choices)
    host = models.CharField("cơ quan chủ trì", max_length=300, blank=True)
    bridge_units = models.ManyToManyField(
        OrgUnit, through="BridgePoint", related_name="+", verbose_name="điểm cầu"
    )

    class Meta:
        verbose_name = "hội nghị, sự kiện"
        verbose_name_plural = "hội nghị, sự kiện"
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%d/%m/%Y})"


class BridgePoint(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="bridge_points")
    orgunit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="điểm cầu"
    )
    attendance = models.PositiveIntegerField("số người dự", default=0)

    class Meta:
        verbose_name = "điểm cầu"
        verbose_name_plural = "điểm cầu"
        constraints = [models.UniqueConstraint(fields=["event", "orgunit"], name="bridge_once")]

    def __str__(self) -> str:
        return f"{self.event}: {self.orgunit}"


class Authority(models.TextChoices):
    # With the form, the codes make the catalog's award options: f"{form}_{authority}".
    PROVINCE_CHAIR = "chu_tich_ubnd_tinh", "Chủ tịch UBND tỉnh"
    PROVINCE_POLICE_DIRECTOR = "giam_doc_ca_tinh", "Giám đốc Công an tỉnh"
    MINISTER = "bo_truong_bca", "Bộ trưởng Bộ Công an"
    FRONT_CENTRAL = "ubtw_mttq", "Ủy ban Trung ương MTTQ Việt Nam"
    FRONT_PROVINCE = "ubmttq_tinh", "Ủy ban MTTQ Việt Nam tỉnh"
    DISTRICT_CHAIR = "chu_tich_ubnd_huyen", "Chủ tịch UBND huyện"
    OTHER = "khac", "Khác"


class AwardForm(models.TextChoices):
    CERTIFICATE_OF_MERIT = "bang_khen", "Bằng khen"
    LETTER_OF_PRAISE = "giay_khen", "Giấy khen"
    OTHER = "khac", "Hình thức khác"


class RecipientKind(models.TextChoices):
    COLLECTIVE = "tap_the", "Tập thể"
    INDIVIDUAL = "ca_nhan", "Cá nhân"


class Commendation(Record):
    decision_number = models.CharField("số quyết định", max_length=100)
    decision_date = models.DateField("ngày quyết định")
    authority = models.CharField("cấp khen", max_length=32, choices=Authority.choices)
    form = models.CharField("hình thức", max_length=16, choices=AwardForm.choices)
    recipient_kind = models.CharField("đối tượng", max_length=16, choices=RecipientKind.choices)
    recipient_name = models.CharField("tên tập thể / cá nhân", max_length=300)
    reason = models.CharField("thành tích", max_length=500, blank=True)
    event = models.ForeignKey(
        Event,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commendations",
        verbose_name="sự kiện",
    )

    class Meta:
        verbose_name = "khen thưởng"
        verbose_name_plural = "khen thưởng"
        ordering = ["-decision_date"]
        indexes = [models.Index(fields=["orgunit", "decision_date"], name="award_unit_date")]

    def __str__(self) -> str:
        return f"{self.get_form_display()} {self.get_authority_display()}: {self.recipient_name}"

    @property
    def option_code(self) -> str:
        """Return the catalog option of the award split this commendation counts under."""
        code = f"{self.form}_{self.authority}"
        return code if code in AWARD_OPTIONS else "khac"


AWARD_OPTIONS = {
    "bang_khen_chu_tich_ubnd_tinh",
    "giay_khen_giam_doc_ca_tinh",
    "bang_khen_bo_truong_bca",
    "bang_khen_ubtw_mttq",
    "bang_khen_ubmttq_tinh",
    "giay_khen_chu_tich_ubnd_huyen",
}
