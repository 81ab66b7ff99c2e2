"""The catalog: data elements, their disaggregations, data sets (forms) and validation rules."""

from __future__ import annotations

from django.db import models

from phongtrao.orgunits.models import Level

CODE_HELP = "chữ thường, số và dấu gạch dưới; không đổi sau khi đã có số liệu"


class ValueType(models.TextChoices):
    INTEGER = "integer", "Số nguyên"
    DECIMAL = "decimal", "Số thập phân"


class TimeAggregation(models.TextChoices):
    SUM = "sum", "Cộng dồn"
    LAST = "last", "Giá trị cuối kỳ"
    DISTINCT = "distinct", "Đếm không trùng lặp"


class OrgUnitAggregation(models.TextChoices):
    SUM = "sum", "Cộng các đơn vị"
    DISTINCT = "distinct", "Đếm không trùng lặp"


class PeriodType(models.TextChoices):
    MONTHLY = "month", "Tháng"
    QUARTERLY = "quarter", "Quý"
    SIXMONTHLY = "half", "6 tháng"
    YEARLY = "year", "Năm"


class Importance(models.TextChoices):
    ERROR = "error", "Lỗi (chặn lưu)"
    WARNING = "warning", "Cảnh báo"


class MissingStrategy(models.TextChoices):
    SKIP = "skip", "Bỏ qua khi thiếu số liệu"
    ZERO = "zero", "Coi số liệu thiếu là 0"


class Operator(models.TextChoices):
    EQ = "==", "bằng"
    NE = "!=", "khác"
    LT = "<", "nhỏ hơn"
    LE = "<=", "nhỏ hơn hoặc bằng"
    GT = ">", "lớn hơn"
    GE = ">=", "lớn hơn hoặc bằng"


class CategoryCombo(models.Model):
    """A way to split an element's value: by weapon kind, by award form and authority..."""

    code = models.SlugField("mã", max_length=64, unique=True, help_text=CODE_HELP)
    name = models.CharField("tên", max_length=200)

    class Meta:
        verbose_name = "cách phân tổ"
        verbose_name_plural = "cách phân tổ"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CategoryOption(models.Model):
    """One part of a split; elements without a split use the single option "default"."""

    combo = models.ForeignKey(CategoryCombo, on_delete=models.CASCADE, related_name="options")
    code = models.SlugField("mã", max_length=64)
    name = models.CharField("tên", max_length=200)
    unit = models.CharField("đơn vị tính", max_length=40, blank=True)
    sort_order = models.PositiveSmallIntegerField("thứ tự", default=0)

    class Meta:
        verbose_name = "thành phần phân tổ"
        verbose_name_plural = "thành phần phân tổ"
        ordering = ["combo", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["combo", "code"], name="option_code_unique")]

    def __str__(self) -> str:
        return self.name


class DataElement(models.Model):
    """One indicator entered or computed per org unit and period."""

    code = models.SlugField("mã", max_length=64, unique=True, help_text=CODE_HELP)
    name = models.CharField("tên", max_length=300)
    short_name = models.CharField("tên ngắn", max_length=120)
    unit = models.CharField("đơn vị tính", max_length=40)
    value_type = models.CharField("kiểu giá trị", max_length=16, choices=ValueType.choices)
    time_aggregation = models.CharField(
        "tổng hợp theo thời gian", max_length=16, choices=TimeAggregation.choices
    )
    orgunit_aggregation = models.CharField(
        "tổng hợp theo đơn vị", max_length=16, choices=OrgUnitAggregation.choices
    )
    category_combo = models.ForeignKey(
        CategoryCombo, on_delete=models.PROTECT, related_name="elements", verbose_name="phân tổ"
    )
    source = models.CharField("nguồn", max_length=40, blank=True)
    description = models.TextField("ghi chú", blank=True)
    allow_negative = models.BooleanField("cho phép số âm", default=False)

    class Meta:
        verbose_name = "chỉ tiêu"
        verbose_name_plural = "chỉ tiêu"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.short_name}"

    @property
    def is_integer(self) -> bool:
        return self.value_type == ValueType.INTEGER


class DataSet(models.Model):
    """A named form: which elements, entered how often, at which level."""

    code = models.SlugField("mã", max_length=64, unique=True, help_text=CODE_HELP)
    name = models.CharField("tên", max_length=300)
    period_type = models.CharField("kỳ báo cáo", max_length=16, choices=PeriodType.choices)
    windows = models.BooleanField(
        "theo kỳ báo cáo hành chính (chốt ngày 14)",
        default=False,
        help_text="một tháng tính từ ngày 15 tháng trước đến ngày 14",
    )
    entry_level = models.CharField(
        "cấp nhập liệu", max_length=16, choices=Level.choices, default=Level.COMMUNE
    )
    timely_days = models.PositiveSmallIntegerField(
        "hạn nộp (số ngày sau kỳ)", default=5, help_text="nộp sau hạn này là nộp muộn"
    )
    elements = models.ManyToManyField(
        DataElement, through="DataSetElement", related_name="datasets", verbose_name="chỉ tiêu"
    )
    # DHIS2 assigns a data set to units at several levels; none assigned: its entry level.
    orgunits = models.ManyToManyField(
        "orgunits.OrgUnit",
        blank=True,
        related_name="+",
        verbose_name="đơn vị được giao",
        help_text="để trống: mọi đơn vị ở cấp nhập liệu",
    )

    class Meta:
        verbose_name = "biểu mẫu"
        verbose_name_plural = "biểu mẫu"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DataSetElement(models.Model):
    dataset = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="members")
    element = models.ForeignKey(DataElement, on_delete=models.PROTECT, related_name="memberships")
    sort_order = models.PositiveSmallIntegerField("thứ tự", default=0)

    class Meta:
        verbose_name = "chỉ tiêu trong biểu mẫu"
        verbose_name_plural = "chỉ tiêu trong biểu mẫu"
        ordering = ["dataset", "sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "element"], name="dataset_element_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dataset.code}: {self.element.code}"


class ValidationRule(models.Model):
    """left operator right, over element codes; an error blocks saving, a warning shows."""

    code = models.SlugField("mã", max_length=64, unique=True, help_text=CODE_HELP)
    name = models.CharField("tên", max_length=300)
    left = models.CharField("vế trái", max_length=1000)
    operator = models.CharField("phép so sánh", max_length=2, choices=Operator.choices)
    right = models.CharField("vế phải", max_length=1000)
    importance = models.CharField(
        "mức độ", max_length=16, choices=Importance.choices, default=Importance.ERROR
    )
    missing = models.CharField(
        "khi thiếu số liệu",
        max_length=8,
        choices=MissingStrategy.choices,
        default=MissingStrategy.SKIP,
    )
    message = models.CharField("thông báo", max_length=500)
    active = models.BooleanField("đang áp dụng", default=True)

    class Meta:
        verbose_name = "quy tắc kiểm tra"
        verbose_name_plural = "quy tắc kiểm tra"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.left} {self.operator} {self.right}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from phongtrao.core.errors import InvalidInput

        from .rules import rule_sides_check

        codes = set(DataElement.objects.values_list("code", flat=True))
        try:
            rule_sides_check(left=self.left, right=self.right, known_codes=codes)
        except InvalidInput as error:
            raise ValidationError(error.message) from error


class Phrase(models.Model):
    """A Vietnamese wording that names an element in narrative reports (the lexicon)."""

    element = models.ForeignKey(
        DataElement, on_delete=models.CASCADE, related_name="phrases", verbose_name="chỉ tiêu"
    )
    text = models.CharField(
        "cụm từ",
        max_length=200,
        help_text=(
            "các từ đứng sau con số, ví dụ «lượt đoàn viên»; dùng # để chỉ chỗ con số khi có "
            "động từ đứng trước («tuyên truyền # đợt»), /# cho mẫu số của phân số "
            "(«/# khu dân cư»)"
        ),
    )

    class Meta:
        verbose_name = "cụm từ nhận diện"
        verbose_name_plural = "cụm từ nhận diện"
        ordering = ["element", "text"]
        constraints = [models.UniqueConstraint(fields=["element", "text"], name="phrase_unique")]

    def __str__(self) -> str:
        return self.text
