"""Import and export jobs: pick the reader or writer for a format, then the one bulk path."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from phongtrao.accounts.models import User
from phongtrao.core.errors import InvalidInput
from phongtrao.core.models import Source
from phongtrao.datavalues.models import DataValue
from phongtrao.orgunits.selectors import orgunit_resolve

from .values import ValueRow, values_import

Progress = Callable[[str, int, int], None]


def guess_format(path: Path) -> str:
    """Return the import format a file's name suggests; refuse a name that suggests none."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in {".xlsx", ".xlsm"}:
        return "xlsx"
    if suffix == ".xml":
        return "adx"
    if suffix == ".json":
        return "dhis2-json"
    raise InvalidInput(f"Không đoán được định dạng của «{path.name}»; hãy ghi rõ --format.")


def _csv_rows(path: Path) -> Iterator[ValueRow]:
    from .formats.csv_values import read_values_csv

    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from read_values_csv(handle)
    except FileNotFoundError as error:
        raise InvalidInput(f"Không tìm thấy tệp «{path}».") from error
    except UnicodeDecodeError as error:
        raise InvalidInput(f"Tệp «{path.name}» không phải văn bản UTF-8.") from error


def rows_from_file(path: Path, fmt: str) -> Iterable[ValueRow]:
    """Return the rows of a values file, streamed where the format allows (nothing written)."""
    if fmt == "csv":
        if not path.exists():
            raise InvalidInput(f"Không tìm thấy tệp «{path}».")
        return _csv_rows(path)
    readers = _extra_readers()
    if fmt in readers:
        # A reader may return a list that carries `notes` (keys it read but does not store).
        return readers[fmt](path)
    raise InvalidInput(f"Định dạng «{fmt}» chưa được hỗ trợ khi nhập số liệu.")


def _extra_readers() -> dict[str, Callable[[Path], Any]]:
    """Readers that live in their own modules (Excel, DHIS2)."""
    from .formats.dhis2 import read_adx, read_datavalueset_csv, read_datavalueset_json
    from .formats.xlsx_values import read_values_xlsx

    return {
        "xlsx": read_values_xlsx,
        "dhis2-json": read_datavalueset_json,
        "dhis2-csv": read_datavalueset_csv,
        "adx": read_adx,
    }


def file_import(
    *, user: User, path: Path, fmt: str, dry_run: bool = False, progress: Progress | None = None
) -> dict[str, Any]:
    """Import a file atomically (or report what it would do) and return the report."""
    if fmt == "dhis2-metadata":
        from .formats.dhis2_metadata import metadata_import

        return metadata_import(user=user, path=path, dry_run=dry_run)
    rows = rows_from_file(path, fmt)
    report = values_import(
        user=user,
        rows=rows,
        dry_run=dry_run,
        source=Source.IMPORT,
        progress=progress or (lambda *a: None),
        file_label=path.name,
    )
    result = report.as_dict()
    if notes := getattr(rows, "notes", None):
        result["notes"] = notes
    return result


def values_export(*, org: str, hierarchy: str | None, periods: str, fmt: str) -> str | bytes:
    """Return the stored values under a unit for the given periods in a format."""
    from phongtrao.datavalues.periods import period_parse

    spans = [period_parse(p.strip()) for p in periods.split(",") if p.strip()]
    if not spans:
        raise InvalidInput("Cần ít nhất một kỳ.")
    start, end = min(p.start for p in spans), max(p.end for p in spans)
    unit = orgunit_resolve(code=org, start=start, end=end, hierarchy=hierarchy)
    values = (
        DataValue.objects.filter(orgunit__path__startswith=unit.path)
        .select_related("element", "option", "orgunit")
        .order_by("orgunit__path", "period_start", "element__code", "option__code")
    )
    # A value belongs to the period its end falls in: a reporting window (15/12-14/1) is
    # named after the calendar month it closes in, as the data set's form names it.
    chosen = [
        dv
        for dv in values.filter(period_end__gte=start, period_end__lte=end)
        if any(p.start <= dv.period_end <= p.end for p in spans)
    ]
    if fmt == "csv":
        from .formats.csv_values import write_values_csv

        return write_values_csv(chosen)
    from .formats import dhis2

    writers = {
        "dhis2-json": dhis2.write_datavalueset_json,
        "dhis2-csv": dhis2.write_datavalueset_csv,
        "adx": dhis2.write_adx,
    }
    if fmt not in writers:
        raise InvalidInput(f"Định dạng «{fmt}» chưa được hỗ trợ khi xuất.")
    return writers[fmt](chosen)
