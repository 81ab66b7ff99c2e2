"""Registry files in: the export's layout re-imports unchanged, changes and creates, all or none."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from phongtrao.accounts.permissions import Action, user_can
from phongtrao.cli import main
from phongtrao.core.errors import InvalidInput
from phongtrao.core.models import AuditEvent
from phongtrao.ingest.registry_import import (
    MSG_REFUSED,
    MSG_UNKNOWN_COLUMNS,
    field_value,
    registry_import,
)
from phongtrao.registries import models as m
from phongtrao.registries.exports import records_export
from phongtrao.registries.specs import BY_SLUG

pytestmark = pytest.mark.django_db

NATIONAL_ID = "001090012345"


@pytest.fixture
def kind(db):
    return m.GroupType.objects.get(code="to_hoa_giai")


@pytest.fixture
def groups(commune, kind):
    return [
        m.Group.objects.create(
            orgunit=commune,
            name="Tổ hòa giải Tổ 5",
            group_type=kind,
            members=1250,
            founded=date(2021, 5, 1),
            hamlet="Tổ 5",
            note="- ghi chú bắt đầu bằng gạch",
        ),
        m.Group.objects.create(
            orgunit=commune,
            name="Tổ an ninh Tổ 6",
            group_type=kind,
            members=9,
            founded=date(2019, 1, 2),
            dissolved=date(2022, 12, 31),
            lead_organisation="mttq",
        ),
    ]


@pytest.fixture
def people(commune):
    person = m.Person(orgunit=commune, full_name="Nguyễn Văn An", birth_year=1990, sex="nam")
    person.national_id = NATIONAL_ID
    person.save()
    other = m.Person.objects.create(orgunit=commune, full_name="Lò Thị Bình")
    return [person, other]


@pytest.fixture
def commendations(commune):
    event = m.Event.objects.create(
        orgunit=commune,
        date=date(2023, 5, 30),
        kind="hoi_nghi",
        name="Hội nghị tổng kết",
        level="commune",
    )
    return [
        m.Commendation.objects.create(
            orgunit=commune,
            decision_number="521/QĐ-UBND",
            decision_date=date(2023, 5, 20),
            authority="chu_tich_ubnd_tinh",
            form="bang_khen",
            recipient_kind="tap_the",
            recipient_name="Tổ hòa giải Tổ 5",
            reason="Thành tích xuất sắc",
            event=event,
        ),
        m.Commendation.objects.create(
            orgunit=commune,
            decision_number="12/QĐ-CAT",
            decision_date=date(2023, 5, 21),
            authority="giam_doc_ca_tinh",
            form="giay_khen",
            recipient_kind="ca_nhan",
            recipient_name="Nguyễn Văn An",
        ),
    ]


def export(user, slug, fmt):
    spec = BY_SLUG[slug]
    from phongtrao.registries.selectors import records_for_user

    return records_export(
        spec,
        records_for_user(user=user, spec=spec),
        format=fmt,
        reveal_national_id=lambda p: user_can(user, Action.VIEW_NATIONAL_ID, p.orgunit),
    )


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


def snapshot(model):
    return [
        {
            f.attname: getattr(r, f.attname)
            for f in model._meta.concrete_fields
            if f.name not in {"updated_at"}
        }
        for r in model.objects.order_by("pk")
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("slug", "world"),
    [("mo-hinh", "groups"), ("nguoi", "people"), ("khen-thuong", "commendations")],
)
def test_the_export_of_a_registry_reimports_unchanged(
    request, tmp_path, commune_user, slug, world, fmt
):
    request.getfixturevalue(world)
    spec = BY_SLUG[slug]
    before = snapshot(spec.model)
    events = AuditEvent.objects.count()
    path = write(tmp_path, f"so.{fmt}", export(commune_user, slug, fmt))

    dry = registry_import(user=commune_user, spec=spec, path=path, dry_run=True)
    assert dry.summary == {"create": 0, "update": 0, "unchanged": 2, "refused": 0}
    report = registry_import(user=commune_user, spec=spec, path=path)
    assert report.summary["unchanged"] == 2
    assert snapshot(spec.model) == before
    # No record was touched: the file's own audit row, and the reads of people it named.
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)[events:])
    reads = ["person.list"] if spec.personal else []
    assert actions == reads + ["import.registry"] + reads


def test_a_masked_national_id_keeps_the_stored_number(tmp_path, district_user, people):
    path = write(tmp_path, "nguoi.csv", export(district_user, "nguoi", "csv"))
    assert "*********345" in path.read_text(encoding="utf-8-sig")
    report = registry_import(user=district_user, spec=BY_SLUG["nguoi"], path=path)
    assert report.summary["unchanged"] == 2
    people[0].refresh_from_db()
    assert people[0].national_id == NATIONAL_ID


def test_rows_change_create_and_dry_run_writes_nothing(tmp_path, commune_user, groups, commune):
    header, first, second = csv_rows(export(commune_user, "mo-hinh", "csv"))
    first, second = (first, second) if first[3] == "Tổ hòa giải Tổ 5" else (second, first)
    first[header.index("Số thành viên")] = "1.300"
    first[header.index("Tổ chức chủ trì")] = "Hội Liên hiệp Phụ nữ"
    new = [""] * len(header)
    new[header.index("Mã đơn vị")] = commune.code
    new[header.index("Tên mô hình")] = "Camera an ninh Tổ 7"
    new[header.index("Loại mô hình")] = "to_hoa_giai"  # by code as well as by name
    new[header.index("Ngày thành lập")] = "15/03/2023"
    path = write(tmp_path, "mo-hinh.csv", csv_bytes([header, first, second, new]))
    spec = BY_SLUG["mo-hinh"]

    dry = registry_import(user=commune_user, spec=spec, path=path, dry_run=True)
    assert [(o.line, o.action) for o in dry.outcomes] == [
        (2, "update"),
        (3, "unchanged"),
        (4, "create"),
    ]
    assert dry.outcomes[0].changes == [
        "Tổ chức chủ trì: Công an → Hội Liên hiệp Phụ nữ",
        "Số thành viên: 1.250 → 1.300",
    ]
    assert dry.outcomes[2].record_id is None
    assert m.Group.objects.count() == 2
    assert m.Group.objects.get(pk=groups[0].pk).members == 1250

    report = registry_import(user=commune_user, spec=spec, path=path)
    assert report.summary == {"create": 1, "update": 1, "unchanged": 1, "refused": 0}
    changed = m.Group.objects.get(pk=groups[0].pk)
    assert (changed.members, changed.lead_organisation) == (1300, "hoi_lhpn")
    created = m.Group.objects.get(name="Camera an ninh Tổ 7")
    assert (created.founded, created.members, created.lead_organisation) == (
        date(2023, 3, 15),
        0,
        "cong_an",
    )
    actions = set(AuditEvent.objects.values_list("action", "source"))
    assert {("group.update", "import"), ("group.create", "import")} <= actions


def test_one_bad_row_refuses_the_whole_file_with_lines_and_reasons(
    tmp_path, commune_user, groups, sibling_commune, commune
):
    header, *rows = csv_rows(export(commune_user, "mo-hinh", "csv"))
    rows[0][header.index("Số thành viên")] = "7"
    rows[1][header.index("Ngày thành lập")] = "31/02/2020"
    new = [""] * len(header)
    new[header.index("Mã đơn vị")] = sibling_commune.code
    new[header.index("Tên mô hình")] = "Tổ xã bên"
    new[header.index("Loại mô hình")] = "Tổ hòa giải"
    new[header.index("Ngày thành lập")] = "2020-01-01"
    blank = [""] * len(header)
    blank[header.index("Mã đơn vị")] = commune.code
    blank[header.index("Loại mô hình")] = "Tổ hòa giải"
    blank[header.index("Ngày thành lập")] = "2020-01-01"
    odd = list(blank)
    odd[header.index("Tên mô hình")] = "Tổ lạ"
    odd[header.index("Loại mô hình")] = "Không có loại này"
    path = write(tmp_path, "mo-hinh.csv", csv_bytes([header, *rows, new, blank, odd]))
    events = AuditEvent.objects.count()

    with pytest.raises(InvalidInput, match=re.escape(MSG_REFUSED)) as caught:
        registry_import(user=commune_user, spec=BY_SLUG["mo-hinh"], path=path)
    reasons = {row.line: row.reason for row in caught.value.extra["rows"]}
    assert set(reasons) == {3, 4, 5, 6}
    assert "«Ngày thành lập»: «31/02/2020» không phải ngày" in reasons[3]
    assert f"Không có đơn vị mã «{sibling_commune.code}» trong phạm vi" in reasons[4]
    assert reasons[5].startswith("«Tên mô hình»: ")  # full_clean: the name is required
    assert reasons[6] == "«Loại mô hình»: không có loại mô hình «Không có loại này»."
    assert m.Group.objects.filter(members=7).count() == 0
    assert AuditEvent.objects.count() == events


def test_a_record_outside_the_scope_is_refused_as_missing(
    tmp_path, province_user, commune_user, sibling_commune, kind
):
    other = m.Group.objects.create(
        orgunit=sibling_commune, name="Tổ xã bên", group_type=kind, founded=date(2020, 1, 1)
    )
    content = export(province_user, "mo-hinh", "csv")
    path = write(tmp_path, "mo-hinh.csv", content)
    report = registry_import(user=commune_user, spec=BY_SLUG["mo-hinh"], path=path, dry_run=True)
    assert [(o.action, o.reason) for o in report.outcomes] == [
        ("refused", f"Không có bản ghi mã {other.pk} trong phạm vi bạn được sửa.")
    ]


def test_unknown_columns_refuse_the_file_before_any_row(tmp_path, commune_user):
    path = write(tmp_path, "x.csv", csv_bytes([["Mã bản ghi", "Tên mô hình", "Màu sắc"]]))
    spec = BY_SLUG["mo-hinh"]
    with pytest.raises(InvalidInput) as caught:
        registry_import(user=commune_user, spec=spec, path=path)
    assert caught.value.message.startswith(
        MSG_UNKNOWN_COLUMNS.split("{columns}")[0].format(title=spec.title)
    )
    assert "«Màu sắc»" in caught.value.message


def test_front_viewer_may_not_import_people(tmp_path, front_member_user):
    path = write(tmp_path, "nguoi.csv", csv_bytes([["Mã bản ghi", "Họ và tên"]]))
    with pytest.raises(InvalidInput, match="không được thêm hoặc sửa"):
        registry_import(user=front_member_user, spec=BY_SLUG["nguoi"], path=path)


def test_enrolments_name_round_and_person_by_their_id_columns(tmp_path, commune_user, commune):
    person = m.Person.objects.create(orgunit=commune, full_name="Vàng Seo Dí")
    rehab = m.RehabRound.objects.create(orgunit=commune, name="Đợt 1", start=date(2022, 1, 1))
    m.RehabEnrolment.objects.create(round=rehab, person=person)
    header, row = csv_rows(export(commune_user, "hoc-vien-cai-nghien", "csv"))
    assert header == [
        "Mã bản ghi",
        "Đợt",
        "Mã đợt cai nghiện",
        "Người",
        "Mã người",
        "Kết quả",
    ]
    row[header.index("Kết quả")] = "Hoàn thành, từ bỏ được ma túy"
    path = write(tmp_path, "hv.csv", csv_bytes([header, row]))
    report = registry_import(user=commune_user, spec=BY_SLUG["hoc-vien-cai-nghien"], path=path)
    assert report.summary["update"] == 1
    assert m.RehabEnrolment.objects.get().outcome == "tu_bo"


def test_an_xlsx_workbook_written_by_hand_creates_records(tmp_path, commune_user, commune):
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã đơn vị", "Ngày triệt phá", "Địa điểm", "Diện tích (ha)"])
    sheet.append([commune.code, date(2016, 2, 3), "Bản Phìn", 23.7])
    sheet.append([commune.code, "04/02/2016", "Bản Phùng", "1,25"])
    path = tmp_path / "thuoc-phien.xlsx"
    book.save(path)
    report = registry_import(user=commune_user, spec=BY_SLUG["thuoc-phien"], path=path)
    assert report.summary["create"] == 2
    assert sorted(m.PoppyEradication.objects.values_list("area_ha", flat=True)) == [
        Decimal("1.25"),
        Decimal("23.7"),
    ]
    # The re-exported workbook is a real sheet with the same records.
    sheet = load_workbook(io.BytesIO(export(commune_user, "thuoc-phien", "xlsx"))).active
    assert sheet.max_row == 3


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("members", "1250", 1250),
        ("members", "1.250", 1250),
        ("members", 1250.0, 1250),
        ("members", "", 0),  # blank takes the default when the field cannot be empty
        ("lead_organisation", "Công an", "cong_an"),
        ("lead_organisation", "mttq", "mttq"),
        ("founded", "2021-05-01", date(2021, 5, 1)),
        ("founded", "01/05/2021", date(2021, 5, 1)),
        ("dissolved", "", None),
        ("hamlet", "'=1+1", "=1+1"),
        ("hamlet", "'Thôn", "'Thôn"),
    ],
)
def test_cells_read_back_as_the_export_writes_them(name, raw, expected):
    db_field = m.Group._meta.get_field(name)
    assert field_value(db_field, raw, name) == expected


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("members", "1,5", "«Số thành viên»: “1,5” phải là số nguyên."),
        ("lead_organisation", "Công an xã", "«Tổ chức chủ trì»: «Công an xã» không phải"),
        ("founded", "2021-13-01", "«Ngày thành lập»: «2021-13-01» không phải ngày"),
    ],
)
def test_bad_cells_are_named_with_their_column(name, raw, message):
    from django.utils.text import capfirst

    db_field = m.Group._meta.get_field(name)
    with pytest.raises(InvalidInput) as caught:
        field_value(db_field, raw, capfirst(db_field.verbose_name))
    assert caught.value.message.startswith(message)


def test_registry_import_and_export_on_the_command_line(tmp_path, capsys, commune_user, groups):
    out = tmp_path / "mo-hinh.xlsx"
    assert (
        main(["registry-export", "--registry", "mo-hinh", "--format", "xlsx", "--user", "xa1",
              "-o", str(out)])
        == 0
    )  # fmt: skip
    code = main(
        ["registry-import", str(out), "--registry", "mo-hinh", "--dry-run", "--user", "xa1",
         "--json"]
    )  # fmt: skip
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"] == {"create": 0, "update": 0, "unchanged": 2, "refused": 0}
    assert report["dry_run"] is True


def test_registry_import_on_the_command_line_names_refused_lines(tmp_path, capsys, commune_user):
    path = write(
        tmp_path, "mo-hinh.csv", csv_bytes([["Mã bản ghi", "Tên mô hình"], ["99999", "X"]])
    )
    assert main(["registry-import", str(path), "--registry", "mo-hinh", "--user", "xa1"]) == 2
    err = capsys.readouterr().err
    assert MSG_REFUSED in err
    assert "dòng 2: Không có bản ghi mã 99999 trong phạm vi bạn được sửa." in err
