"""CSV and XLSX exports: exactly what the user may see, Vietnamese headers, real values."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from phongtrao.core.errors import InvalidInput
from phongtrao.core.models import AuditEvent
from phongtrao.registries import models as m
from phongtrao.registries.exports import MSG_UNKNOWN_FORMAT, records_export
from phongtrao.registries.specs import BY_SLUG

pytestmark = pytest.mark.django_db

NATIONAL_ID = "001090012345"
MASKED = "*********345"
GROUP_HEADERS = [
    "Mã bản ghi",
    "Đơn vị",
    "Mã đơn vị",
    "Tên mô hình",
    "Loại mô hình",
    "Thôn, tổ dân phố / địa chỉ",
    "Tổ chức chủ trì",
    "Số thành viên",
    "Ngày thành lập",
    "Ngày giải thể",
    "Ghi chú",
]


def export_url(slug, fmt):
    return reverse("registries:export", args=[slug, fmt])


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark, for Excel
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def groups(commune, sibling_commune):
    kind = m.GroupType.objects.get(code="to_hoa_giai")
    mine = [
        m.Group.objects.create(
            orgunit=commune,
            name=name,
            group_type=kind,
            members=members,
            founded=date(2021, 5, 1),
            hamlet="Tổ 5",
        )
        for name, members in (("Tổ hòa giải Tổ 5", 1250), ("Tổ an ninh Tổ 6", 9))
    ]
    m.Group.objects.create(
        orgunit=sibling_commune, name="Tổ xã bên", group_type=kind, founded=date(2021, 5, 1)
    )
    return mine


def make_person(unit):
    person = m.Person(orgunit=unit, full_name="Nguyễn Văn An", birth_year=1990, sex="nam")
    person.national_id = NATIONAL_ID
    person.save()
    return person


def test_csv_export_holds_exactly_the_visible_rows(client, commune_user, groups):
    client.force_login(commune_user)
    response = client.get(export_url("mo-hinh", "csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = read_csv(response.content)
    assert header == GROUP_HEADERS
    assert sorted(row[3] for row in rows) == ["Tổ an ninh Tổ 6", "Tổ hòa giải Tổ 5"]
    by_name = {row[3]: row for row in rows}
    row = by_name["Tổ hòa giải Tổ 5"]
    assert row[1:3] == ["Phường Quang Trung", "00688"]
    assert row[4:8] == ["Tổ hòa giải", "Tổ 5", "Công an", "1250"]
    assert row[8:10] == ["2021-05-01", ""]


def test_csv_export_honours_the_search_and_filters(client, commune_user, groups):
    client.force_login(commune_user)
    response = client.get(export_url("mo-hinh", "csv"), {"q": "an ninh"})
    _, *rows = read_csv(response.content)
    assert [row[3] for row in rows] == ["Tổ an ninh Tổ 6"]
    response = client.get(export_url("mo-hinh", "csv"), {"tu_ngay": "2022-01-01"})
    assert read_csv(response.content)[1:] == []


def test_xlsx_export_opens_with_vietnamese_headers_real_dates_and_numbers(
    client, province_user, groups
):
    client.force_login(province_user)
    response = client.get(export_url("mo-hinh", "xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == GROUP_HEADERS
    assert len(rows) == 4  # the province sees both communes
    row = next(r for r in rows[1:] if r[3] == "Tổ hòa giải Tổ 5")
    assert row[7] == 1250
    assert row[8].date() == date(2021, 5, 1)  # a real date cell, read back as datetime
    assert sheet.cell(row=2, column=9).number_format == "DD/MM/YYYY"


def test_person_exports_are_audited_and_masked_unless_the_user_may_see_ids(
    client, commune_user, district_user, commune
):
    person = make_person(commune)
    client.force_login(district_user)
    header, row = read_csv(client.get(export_url("nguoi", "csv")).content)
    assert header[-1] == "Số định danh (CCCD)"
    assert row[-1] == MASKED
    event = AuditEvent.objects.get(action="person.list", actor=district_user)
    assert event.after["ids"] == [person.pk]

    client.force_login(commune_user)
    sheet = load_workbook(io.BytesIO(client.get(export_url("nguoi", "xlsx")).content)).active
    assert sheet.cell(row=2, column=sheet.max_column).value == NATIONAL_ID
    assert AuditEvent.objects.filter(action="person.list", actor=commune_user).exists()


def test_front_viewer_cannot_export_people(client, front_member_user, commune):
    make_person(commune)
    client.force_login(front_member_user)
    for fmt in ("csv", "xlsx"):
        assert client.get(export_url("nguoi", fmt)).status_code == 404
    assert not AuditEvent.objects.filter(action="person.list").exists()


def test_unknown_format_is_refused(commune):
    spec = BY_SLUG["mo-hinh"]
    with pytest.raises(InvalidInput, match=re.escape(MSG_UNKNOWN_FORMAT.format(format="pdf"))):
        records_export(spec, m.Group.objects.all(), format="pdf", reveal_national_id=bool)


def test_decimals_stay_exact_in_csv_and_are_numbers_in_xlsx(commune):
    m.PoppyEradication.objects.create(
        orgunit=commune, date=date(2016, 2, 3), location="Bản Phìn", area_ha=Decimal("23.7")
    )
    spec = BY_SLUG["thuoc-phien"]
    qs = m.PoppyEradication.objects.all()
    rows = read_csv(records_export(spec, qs, format="csv", reveal_national_id=bool))
    assert rows[1][-2:] == ["23.7", ""]
    sheet = load_workbook(
        io.BytesIO(records_export(spec, qs, format="xlsx", reveal_national_id=bool))
    ).active
    assert sheet.cell(row=2, column=6).value == pytest.approx(23.7)


def test_text_that_looks_like_a_formula_stays_text(commune):
    kind = m.GroupType.objects.get(code="to_hoa_giai")
    m.Group.objects.create(
        orgunit=commune, name='=HYPERLINK("x")', group_type=kind, founded=date(2021, 5, 1)
    )
    spec = BY_SLUG["mo-hinh"]
    qs = m.Group.objects.all()
    rows = read_csv(records_export(spec, qs, format="csv", reveal_national_id=bool))
    assert rows[1][3] == '\'=HYPERLINK("x")'
    sheet = load_workbook(
        io.BytesIO(records_export(spec, qs, format="xlsx", reveal_national_id=bool))
    ).active
    cell = sheet.cell(row=2, column=4)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("x")', "s")
