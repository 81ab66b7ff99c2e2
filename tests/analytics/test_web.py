"""The pivot page, its exports and charts, and the dashboard."""

import csv
import io
from datetime import date

import pytest
from django.test import Client
from openpyxl import load_workbook

from phongtrao.datavalues.periods import period_parse

from ..factories import PASSWORD
from .conftest import enter, episode, person, propaganda

pytestmark = pytest.mark.django_db
PIVOT, EXPORT = "/phan-tich/bang/", "/phan-tich/bang/xuat/"


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def world(commune, sibling_commune, far_commune):
    propaganda(commune, date(2022, 5, 1), 40)
    propaganda(commune, date(2023, 2, 1), 40)
    propaganda(sibling_commune, date(2023, 3, 1), 25)
    moved = person(commune)
    episode(commune, moved, date(2023, 1, 1), date(2023, 2, 1))
    episode(far_commune, moved, date(2023, 5, 1))
    enter("public_tips", commune, period_parse("202301"), 3)


def params(**extra):
    base = {
        "indicators": ["propaganda_participants", "persons_managed_educated"],
        "org": "02",
        "scope": "children",
        "kind": "year",
        "from_year": "2022",
        "to_year": "2023",
    }
    return {**base, **extra}


def test_the_page_shows_cells_and_recomputed_totals(world, province_user):
    response = client_for(province_user).get(PIVOT, params())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bảng phân tích" in page and "Thành phố Hà Giang" in page
    grids = response.context["grids"]
    persons = next(g for g in grids if g.title.startswith("Người lầm lỗi"))
    # Two districts hold the person in 2023; the province total holds one person.
    in_2023 = [row.cells[1].value for row in persons.rows if row.cells[1].value]
    assert in_2023 == [1, 1]
    assert persons.column_totals[1].value == 1
    assert "65" in page  # 40 + 25 participants in 2023


def test_swap_and_sort(world, province_user):
    client = client_for(province_user)
    swapped = client.get(PIVOT, params(rows="period", cols="org"))
    grid = swapped.context["grids"][0]
    assert [h.label for h in (r.header for r in grid.rows)] == ["Năm 2022", "Năm 2023"]
    ordered = client.get(PIVOT, params(sort="1", desc="1"))
    participants = ordered.context["grids"][0]
    assert participants.rows[0].header.label == "Thành phố Hà Giang"
    assert swapped.context["swap_url"].count("rows=org") == 1


def test_the_page_defaults_to_the_users_unit(world, commune_user):
    response = client_for(commune_user).get(PIVOT)
    assert response.status_code == 200
    assert [u.code for u in response.context["table"].units] == ["00688"]


def test_exports_csv_and_xlsx(world, province_user):
    client = client_for(province_user)
    response = client.get(EXPORT, params(format="csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {
        "indicator": "propaganda_participants",
        "org": "024",
        "period": "2023",
        "value": "65",
    } in rows
    response = client.get(EXPORT, params(format="xlsx"))
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Bảng", "Dữ liệu"]
    flat = list(workbook["Dữ liệu"].iter_rows(values_only=True))
    assert ("propaganda_participants", "024", "Thành phố Hà Giang", "2023", "Năm 2023", 65) in flat
    cells = [c for row in workbook["Bảng"].iter_rows(values_only=True) for c in row]
    assert "Tổng" in cells


def test_charts_are_png(world, province_user):
    client = client_for(province_user)
    for kind in ("line", "bar"):
        response = client.get(
            f"/phan-tich/bang/bieu-do/{kind}.png", params(chart="propaganda_participants")
        )
        assert response.status_code == 200 and response.content.startswith(b"\x89PNG")


def test_pages_outside_scope_are_not_found(world, commune_user, sibling_commune):
    client = client_for(commune_user)
    assert client.get(PIVOT, params(org=sibling_commune.code, scope="self")).status_code == 404
    assert client.get(EXPORT, params(org="02")).status_code == 404
    assert client.get("/phan-tich/", {"org_id": sibling_commune.pk}).status_code == 404


def test_bad_periods_are_explained_on_the_page(province_user):
    response = client_for(province_user).get(PIVOT, params(periods="2023x"))
    assert response.status_code == 400
    assert "không phải là kỳ báo cáo hợp lệ" in response.content.decode()


@pytest.mark.parametrize(
    "who", ["commune_user", "district_user", "province_user", "front_member_user"]
)
def test_the_dashboard_of_each_role(world, request, who):
    user = request.getfixturevalue(who)
    response = client_for(user).get("/phan-tich/", {"year": "2023"})
    assert response.status_code == 200
    board = response.context["board"]
    assert board.unit == user.role_assignments.get().orgunit
    figures = {f.indicator.code: f for f in board.figures}
    assert set(figures) >= {"propaganda_rounds", "persons_managed_educated", "rehab_quit"}
    page = response.content.decode()
    assert "Bảng điều khiển" in page and "Tình hình nộp báo cáo" in page


def test_the_dashboard_compares_with_last_year_and_ranks_children(world, province_user):
    response = client_for(province_user).get(
        "/phan-tich/", {"year": "2023", "rank": "propaganda_rounds"}
    )
    board = response.context["board"]
    rounds = next(f for f in board.figures if f.indicator.code == "propaganda_rounds")
    assert (rounds.this, rounds.last, rounds.change_percent) == (2, 1, 100)
    assert board.ranking[0].unit.code == "024" and board.ranking[0].rank == 1
    assert board.ranking[0].this == 2
    assert board.completeness is not None
