"""The forms of the files-in-and-out pages: upload, template, export, a report to check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms

from phongtrao.accounts.permissions import Action, AnyUser, orgunits_where, user_can
from phongtrao.catalog.models import DataSet
from phongtrao.core.errors import InvalidInput
from phongtrao.datavalues.periods import period_parse
from phongtrao.ingest.reconcile import Comparison
from phongtrao.ingest.uploads import VALUES
from phongtrao.registries.selectors import write_action
from phongtrao.registries.specs import REGISTRIES

from .fields import OrgUnitField, date_input

VALUE_SUFFIXES = {".csv", ".xlsx", ".xlsm", ".json", ".xml"}
REGISTRY_SUFFIXES = {".csv", ".xlsx", ".xlsm"}
REPORT_SUFFIXES = {".txt", ".docx"}
MSG_SUFFIX = "Tệp «{name}» không đúng loại: chỉ nhận {allowed}."
FORMAT_LABELS = {
    "csv": "CSV (chi_tieu, phan_to, don_vi, ky, gia_tri)",
    "xlsx": "Excel (biểu mẫu nhập liệu)",
    "dhis2-json": "DHIS2 dataValueSet JSON",
    "dhis2-csv": "DHIS2 dataValueSet CSV",
    "adx": "ADX XML",
    "dhis2-metadata": "Danh mục DHIS2 (metadata JSON)",
}


def import_formats() -> list[str]:
    """Return the file formats the values import reads."""
    from phongtrao.ingest.names import IMPORT_FORMATS

    return list(IMPORT_FORMATS)


def export_formats() -> list[str]:
    """Return the formats values export to."""
    from phongtrao.ingest.names import EXPORT_FORMATS

    return list(EXPORT_FORMATS)


def _check_suffix(name: str, allowed: set[str]) -> None:
    if Path(name).suffix.lower() not in allowed:
        listed = ", ".join(sorted(allowed))
        raise forms.ValidationError(MSG_SUFFIX.format(name=name, allowed=listed))


# --- forms -------------------------------------------------------------------------------------


def _writable_registries(user: AnyUser) -> list[tuple[str, str]]:
    return [
        (spec.slug, f"Sổ theo dõi: {spec.title}")
        for spec in REGISTRIES
        if user_can(user, write_action(spec))
    ]


class UploadForm(forms.Form):
    file = forms.FileField(label="Tệp")
    kind = forms.ChoiceField(label="Nội dung")
    format = forms.ChoiceField(
        label="Định dạng",
        required=False,
        help_text="chỉ cho số liệu tổng hợp; sổ theo dõi nhận .csv hoặc .xlsx",
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = []
        if user_can(user, Action.ENTER_DATA):  # administrators hold every action
            kinds.append((VALUES, "Số liệu tổng hợp (chỉ tiêu)"))
        self.fields["kind"].choices = kinds + _writable_registries(user)
        self.fields["format"].choices = [("", "Tự nhận theo phần mở rộng")] + [
            (fmt, FORMAT_LABELS[fmt]) for fmt in import_formats()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        uploaded, kind = data.get("file"), data.get("kind")
        if uploaded is not None and kind:
            _check_suffix(uploaded.name, VALUE_SUFFIXES if kind == VALUES else REGISTRY_SUFFIXES)
        return data


class TemplateForm(forms.Form):
    dataset = forms.ChoiceField(label="Biểu mẫu")
    ky = forms.CharField(label="Kỳ", help_text="ví dụ 202305 (tháng) hoặc 2023 (năm)")

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dataset"].choices = [
            (d.code, d.name) for d in DataSet.objects.order_by("code")
        ]
        self.fields["don_vi"] = OrgUnitField(
            units=orgunits_where(user, Action.ENTER_DATA), label="Đơn vị"
        )
        self.order_fields(["dataset", "don_vi", "ky"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        dataset = DataSet.objects.filter(code=data.get("dataset")).first()
        if dataset is not None and data.get("ky"):
            try:
                data["period"] = period_parse(data["ky"], windows=dataset.windows)
            except InvalidInput as error:
                self.add_error("ky", error.message)
        data["dataset_obj"] = dataset
        return data


class ExportForm(forms.Form):
    ky = forms.CharField(
        label="Kỳ", help_text="một hay nhiều kỳ, cách nhau bởi dấu phẩy: 202304,202305"
    )
    dinh_dang = forms.ChoiceField(label="Định dạng")

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["don_vi"] = OrgUnitField(
            units=orgunits_where(user, Action.VIEW_AGGREGATE), label="Đơn vị (cả cây bên dưới)"
        )
        self.fields["dinh_dang"].choices = [(f, FORMAT_LABELS[f]) for f in export_formats()]
        self.order_fields(["don_vi", "ky", "dinh_dang"])


class RangeForm(forms.Form):
    """The unit and dates a report is checked against (dates default to the report's own)."""

    tu_ngay = forms.DateField(label="Từ ngày", required=False, widget=date_input())
    den_ngay = forms.DateField(label="Đến ngày", required=False, widget=date_input())

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["don_vi"] = OrgUnitField(
            units=orgunits_where(user, Action.VIEW_AGGREGATE), label="Đơn vị"
        )
        self.order_fields(["file", "don_vi", "tu_ngay", "den_ngay"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("tu_ngay"), data.get("den_ngay")
        if start and end and start > end:
            self.add_error("den_ngay", "Ngày kết thúc phải sau ngày bắt đầu.")
        return data


class ReportForm(RangeForm):
    file = forms.FileField(label="Báo cáo (.txt, .docx)")

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data["file"]
        _check_suffix(uploaded.name, REPORT_SUFFIXES)
        return uploaded


class AcceptForm(forms.Form):
    so = forms.TypedMultipleChoiceField(label="Số được chọn", coerce=int)
    ky = forms.CharField(
        label="Kỳ báo cáo", help_text="kỳ của biểu mẫu có chỉ tiêu: 202305 (tháng), 2023 (năm)"
    )

    def __init__(self, *args: Any, user: AnyUser, rows: list[Comparison], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["so"].choices = [(r.number, r.number) for r in rows if r.figure.indicator]
        self.fields["so"].error_messages["required"] = "Chưa chọn số nào để nhận."
        self.fields["don_vi_nhan"] = OrgUnitField(
            units=orgunits_where(user, Action.ENTER_DATA), label="Nhập cho đơn vị"
        )
        self.order_fields(["so", "don_vi_nhan", "ky"])
