"""One table of cases through every write path: the same decision and the same stored rows.

The form, the API and the imports (CSV, Excel template, DHIS2 JSON) all go through
`datavalues.services.write`; each case runs through each path on a fresh database state.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from phongtrao.catalog.selectors import dataset_get
from phongtrao.core.errors import Conflict, InvalidInput
from phongtrao.core.models import AuditEvent
from phongtrao.datavalues.models import Approval, DataValue, PeriodFields
from phongtrao.datavalues.periods import period_parse
from phongtrao.datavalues.services import Entry, datavalues_save
from phongtrao.datavalues.services.write import MSG_LOCKED, MSG_NEGATIVE
from phongtrao.ingest.formats.xlsx_values import INFO, KEY_ROW, template_xlsx
from phongtrao.ingest.services import file_import
from phongtrao.orgunits.models import Level, OrgUnit

pytestmark = pytest.mark.django_db

PATHS = ("web", "api", "csv", "xlsx", "dhis2-json")
RULE = "Số người từ bỏ được ma túy không được lớn hơn số người tham gia cai nghiện"


@dataclass(frozen=True)
class Case:
    name: str
    unit: str  # commune, district, outside, or commune at a period it no longer exists in
    period: str
    element: str
    raw: str
    reason: str | None  # None: accepted; else a text every path shows
    setup: tuple[tuple[str, str], ...] = ()  # values stored first, through the form service
    stale: bool = False  # someone changed the value after the writer read it
    paths: tuple[str, ...] = PATHS
    # Scoped lookups make a unit out of scope look missing in the interactive paths.
    interactive_reason: str | None = None
    stored: tuple[tuple[str, str, str, int], ...] = field(default=())


CASES = [
    Case(
        "accepted_commune_monthly",
        "commune",
        "202305",
        "propaganda_rounds",
        "12",
        None,
        stored=(("propaganda_rounds", "202305", "12", 1),),
    ),
    Case(
        "accepted_update",
        "commune",
        "202305",
        "propaganda_rounds",
        "12",
        None,
        setup=(("propaganda_rounds", "10"),),
        stored=(("propaganda_rounds", "202305", "12", 2),),
    ),
    Case(
        "refused_out_of_scope",
        "outside",
        "202305",
        "propaganda_rounds",
        "12",
        "trong phạm vi bạn được nhập liệu",
        interactive_reason="404",
    ),
    Case(
        "refused_district_entry_level",
        "district",
        "202305",
        "propaganda_rounds",
        "12",
        "được nhập ở cấp xã",
    ),
    Case(
        "refused_yearly_in_monthly",
        "commune",
        "2023",
        "propaganda_rounds",
        "12",
        "không đúng loại kỳ",
        # The workbook states its data set's period, so it cannot carry a yearly one.
        paths=("web", "api", "csv", "dhis2-json"),
    ),
    Case(
        "refused_unit_not_valid",
        "commune",
        "202508",
        "propaganda_rounds",
        "12",
        "không còn hiệu lực trong kỳ",
    ),
    Case(
        "refused_approval_lock",
        "locked",
        "202305",
        "propaganda_rounds",
        "12",
        MSG_LOCKED,
    ),
    Case("refused_negative", "commune", "202305", "propaganda_rounds", "-3", MSG_NEGATIVE),
    Case(
        "refused_blocking_rule",
        "commune",
        "202305",
        "rehab_quit",
        "5",
        RULE,
        setup=(("rehab_participants", "3"),),
        stored=(("rehab_participants", "202305", "3", 1),),
    ),
    Case(
        "refused_stale_version",
        "commune",
        "202305",
        "propaganda_rounds",
        "12",
        "người khác sửa",
        setup=(("propaganda_rounds", "10"),),
        stale=True,
        # A file names no version: its update is checked against the row read under lock.
        paths=("web", "api"),
        stored=(("propaganda_rounds", "202305", "11", 2),),
    ),
]


@pytest.fixture
def world(commune, province_user, ha_giang):
    outside = (
        OrgUnit.objects.filter(level=Level.COMMUNE, hierarchy=commune.hierarchy)
        .exclude(path__startswith=ha_giang.path)
        .first()
    )
    return {
        "user": province_user,
        "monthly": dataset_get(code="monthly_movement"),
        "commune": commune,
        "locked": commune,
        "district": commune.parent,
        "outside": outside,
    }


def _setup(world, case):
    monthly, unit = world["monthly"], world["commune"]
    may = period_parse("202305", windows=True)
    if case.setup:
        datavalues_save(
            user=world["user"],
            dataset=monthly,
            orgunit=unit,
            period=may,
            entries=[Entry(element=e, raw=v, expected_version=None) for e, v in case.setup],
        )
    seen = {dv.element.code: dv.version for dv in DataValue.objects.select_related("element")}
    if case.stale:
        dv = DataValue.objects.get(element__code=case.element)
        datavalues_save(
            user=world["user"],
            dataset=monthly,
            orgunit=unit,
            period=may,
            entries=[Entry(element=case.element, raw="11", expected_version=dv.version)],
        )
    if case.unit == "locked":
        Approval.objects.create(
            dataset=monthly,
            orgunit=unit,
            level=Level.DISTRICT,
            approved_at=timezone.now(),
            **PeriodFields.period_fields(may),
        )
    return seen.get(case.element)


def _via_web(client, world, case, unit, version):
    client.force_login(world["user"])
    url = reverse("enter_data", args=[unit.pk]) + f"?dataset=monthly_movement&period={case.period}"
    key = f"{case.element}.default"
    original = {"propaganda_rounds": "10"}.get(case.element, "") if version else ""
    data = {f"c-{key}": case.raw, f"o-{key}": original, f"v-{key}": version or ""}
    response = client.post(url, data)
    if response.status_code == 302:
        return "accepted", ""
    return "refused", f"{response.status_code} {response.content.decode()}"


def _via_api(client, world, case, unit, version):
    client.force_login(world["user"])
    payload = {
        "dataset": "monthly_movement",
        "org_id": unit.pk,
        "period": case.period,
        "element": case.element,
        "value": case.raw,
        "version": version,
    }
    response = client.put("/api/datavalues/", payload, content_type="application/json")
    if response.status_code == 200:
        return "accepted", ""
    return "refused", f"{response.status_code} {json.dumps(response.json(), ensure_ascii=False)}"


def _import(world, path, fmt):
    try:
        file_import(user=world["user"], path=path, fmt=fmt)
    except (InvalidInput, Conflict) as error:
        rows = " ".join(r.reason for r in error.extra.get("rows", []))
        return "refused", f"{error.message} {rows}"
    return "accepted", ""


def _via_csv(tmp_path, world, case, unit):
    path = tmp_path / "values.csv"
    path.write_text(
        "chi_tieu,phan_to,don_vi,ky,gia_tri,ghi_chu\n"
        f"{case.element},default,{unit.code},{case.period},{case.raw},\n",
        encoding="utf-8",
    )
    return _import(world, path, "csv")


def _via_xlsx(tmp_path, world, case, unit):
    may = period_parse("202305", windows=True)
    period = period_parse(case.period, windows=True)
    data = template_xlsx(dataset=world["monthly"], root=world["commune"], period=may)
    book = load_workbook(io.BytesIO(data))
    sheet = book["Nhập liệu"]
    keys = [c.value for c in sheet[KEY_ROW]]
    sheet.cell(row=KEY_ROW + 1, column=1, value=unit.code)
    sheet.cell(row=KEY_ROW + 1, column=keys.index(f"{case.element}.default") + 1, value=case.raw)
    info = book[INFO]
    for row in info.iter_rows():
        if row[0].value in ("period", "start", "end"):
            row[1].value = {
                "period": period.code,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
            }[row[0].value]
    path = tmp_path / "values.xlsx"
    book.save(path)
    return _import(world, path, "xlsx")


def _via_dhis2(tmp_path, world, case, unit):
    path = tmp_path / "values.json"
    value = {
        "dataElement": case.element,
        "period": case.period,
        "orgUnit": unit.code,
        "value": case.raw,
    }
    path.write_text(json.dumps({"dataValues": [value]}), encoding="utf-8")
    return _import(world, path, "dhis2-json")


def _stored():
    return sorted(
        (dv.element.code, dv.orgunit.code, dv.period.code, str(dv.value.normalize()), dv.version)
        for dv in DataValue.objects.select_related("element", "orgunit")
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_path_takes_the_same_decision_and_stores_the_same_rows(client, tmp_path, world, case):
    unit = world[case.unit]
    outcomes, rows, audits = {}, {}, {}
    for path in case.paths:
        sid = transaction.savepoint_create()
        version = _setup(world, case)
        if path == "web":
            decision = _via_web(client, world, case, unit, version)
        elif path == "api":
            decision = _via_api(client, world, case, unit, version)
        elif path == "csv":
            decision = _via_csv(tmp_path, world, case, unit)
        elif path == "xlsx":
            decision = _via_xlsx(tmp_path, world, case, unit)
        else:
            decision = _via_dhis2(tmp_path, world, case, unit)
        outcomes[path] = decision
        rows[path] = (_stored(), sorted(DataValue.objects.values_list("needs_review", flat=True)))
        audits[path] = list(
            AuditEvent.objects.filter(target_type="datavalue")
            .order_by("id")
            .values_list("action", flat=True)
        )
        transaction.savepoint_rollback(sid)  # each path starts from the same state
    expected = "accepted" if case.reason is None else "refused"
    for path, (decision, text) in outcomes.items():
        assert decision == expected, (path, text)
        if case.reason is None:
            continue
        interactive = path in ("web", "api") and case.interactive_reason
        assert (case.interactive_reason if interactive else case.reason) in text, (path, text)
    # The same stored rows and the same audit trail, whichever path wrote them.
    assert len({repr(r) for r in rows.values()}) == 1, rows
    assert len({tuple(a) for a in audits.values()}) == 1, audits
    stored, _ = next(iter(rows.values()))
    expected_rows = sorted(
        (element, world["commune"].code, period, value, version)
        for element, period, value, version in case.stored
    )
    assert stored == expected_rows
