"""The pivot through the JSON API and the command line: same rows, scoped to the user."""

import csv
import io
import json
from datetime import date

import pytest
from django.test import Client

from phongtrao.cli import main
from phongtrao.orgunits.selectors import MSG_UNIT_NOT_FOUND

from ..factories import PASSWORD
from .conftest import enter, episode, group, person, propaganda

pytestmark = pytest.mark.django_db
URL = "/api/analytics/pivot"


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def world(commune, sibling_commune, far_commune):
    propaganda(commune, date(2023, 2, 1), 40)
    propaganda(sibling_commune, date(2023, 3, 1), 25)
    group(commune, "to_hoa_giai", date(2020, 1, 1))
    group(commune, "to_hoa_giai", date(2023, 2, 1), dissolved=date(2023, 6, 1))
    moved = person(commune)
    episode(commune, moved, date(2023, 1, 1), date(2023, 2, 1))
    episode(far_commune, moved, date(2023, 5, 1))
    enter("public_tips", commune, date_period("202301"), 0)
    # A commune without the registry enters its counts, in a year when nobody else counts people
    # (a distinct count from records and one entered by another commune cannot be combined).
    for month in ("202201", "202202"):
        enter("persons_managed_educated", sibling_commune, date_period(month), 4)


def date_period(code):
    from phongtrao.datavalues.periods import period_parse

    return period_parse(code)


def rows_of(response) -> dict:
    assert response.status_code == 200, response.content
    return {(r["indicator"], r["org"], r["period"]): r["value"] for r in response.json()["rows"]}


def test_every_semantic_through_the_api(world, province_user, commune, sibling_commune):
    client = client_for(province_user)
    got = rows_of(
        client.get(
            URL,
            {
                "indicators": ",".join(
                    [
                        "propaganda_participants",
                        "mediation_teams",
                        "persons_managed_educated",
                        "public_tips",
                    ]
                ),
                "org": "02",
                "periods": "2023,2023Q1,2023Q2,202301",
            },
        )
    )
    assert got[("propaganda_participants", "02", "2023")] == 65  # a flow adds up
    assert got[("mediation_teams", "02", "2023Q1")] == 2  # a stock at the period's end
    assert got[("mediation_teams", "02", "2023")] == 1  # ... not the sum of its quarters
    assert got[("persons_managed_educated", "02", "2023")] == 1  # one person in two communes
    assert got[("public_tips", "02", "202301")] == 0  # a stored zero
    assert got[("public_tips", "02", "2023Q2")] is None  # missing
    by_commune = rows_of(
        client.get(
            URL,
            {
                "indicators": "persons_managed_educated",
                "org": commune.parent.code,
                "children": "true",
                "periods": "2022Q1,202201",
            },
        )
    )
    # Entered monthly, asked for a quarter: the documented marker, never a guess.
    assert (
        by_commune[("persons_managed_educated", sibling_commune.code, "2022Q1")] == "not_additive"
    )
    assert by_commune[("persons_managed_educated", sibling_commune.code, "202201")] == 4


def test_totals_through_the_api_are_recomputed(world, province_user, commune, far_commune):
    client = client_for(province_user)
    response = client.get(
        URL,
        {
            "indicators": "persons_managed_educated",
            "org": "02",
            "children": "1",
            "periods": "2023Q1,2023Q2",
            "totals": "true",
        },
    )
    totals = response.json()["totals"]
    grand = next(t for t in totals if t["org"] is None and t["period"] is None)
    assert grand["value"] == 1
    per_district = [t for t in totals if t["org"] and t["period"] is None and t["value"]]
    assert sorted(t["value"] for t in per_district) == [1, 1]


def test_a_unit_outside_the_users_scope_is_not_found(world, commune_user, sibling_commune):
    client = client_for(commune_user)
    for params in (
        {"org": sibling_commune.code},
        {"org": commune_user.role_assignments.get().orgunit.parent.code, "children": "1"},
        {"org": "02", "level": "commune"},
        {"org_id": str(sibling_commune.pk)},
    ):
        response = client.get(URL, {"indicators": "propaganda_rounds", "periods": "2023", **params})
        assert response.status_code == 404, params
        assert response.json()["message"] == MSG_UNIT_NOT_FOUND
    mine = client.get(URL, {"indicators": "propaganda_rounds", "periods": "2023", "org": "00688"})
    assert rows_of(mine)[("propaganda_rounds", "00688", "2023")] == 1


@pytest.mark.parametrize("who", ["district_user", "front_member_user"])
def test_district_and_front_users_see_aggregates_of_their_scope(world, request, who, commune):
    user = request.getfixturevalue(who)
    client = client_for(user)
    scope = user.role_assignments.get().orgunit
    ok = client.get(URL, {"indicators": "propaganda_rounds", "periods": "2023", "org": scope.code})
    assert ok.status_code == 200
    if scope.level == "district":
        province = scope.parent.code
        denied = client.get(
            URL, {"indicators": "propaganda_rounds", "periods": "2023", "org": province}
        )
        assert denied.status_code == 404


def test_anonymous_callers_are_refused():
    response = Client().get(
        URL, {"indicators": "propaganda_rounds", "periods": "2023", "org": "02"}
    )
    assert response.status_code == 401


def test_bad_input_is_a_problem_in_vietnamese(province_user):
    client = client_for(province_user)
    response = client.get(URL, {"indicators": "khong_co", "periods": "2023", "org": "02"})
    assert response.status_code == 400
    assert response.json()["message"] == "Không có chỉ tiêu mã «khong_co»."
    response = client.get(URL, {"indicators": "propaganda_rounds", "periods": "2023x", "org": "02"})
    assert (
        response.status_code == 400
        and "không phải là kỳ báo cáo hợp lệ" in response.json()["message"]
    )


def test_charts_and_indicators(world, province_user):
    client = client_for(province_user)
    for kind in ("line", "bar"):
        response = client.get(
            "/api/analytics/chart",
            {
                "indicators": "propaganda_rounds",
                "org": "02",
                "children": "1",
                "periods": "2022:2023",
                "kind": kind,
            },
        )
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert response.content.startswith(b"\x89PNG")
    listed = client.get("/api/analytics/indicators").json()
    kinds = {i["code"]: i["kind"] for i in listed}
    assert kinds["propaganda_rounds"] == "registry" and kinds["public_tips"] == "entered"


def test_the_command_line_prints_the_same_rows(world, capsys, commune):
    args = ["pivot", "--indicators", "propaganda_rounds,public_tips", "--org", commune.parent.code]
    assert main([*args, "--children", "--periods", "2023,202301"]) == 0
    printed = json.loads(capsys.readouterr().out)
    got = {(r["indicator"], r["org"], r["period"]): r["value"] for r in printed["rows"]}
    assert got[("propaganda_rounds", commune.code, "2023")] == 1
    assert got[("public_tips", commune.code, "202301")] == 0
    assert got[("public_tips", commune.code, "2023")] == 0
    assert main([*args, "--periods", "2023", "--format", "csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert table[0] == {
        "indicator": "propaganda_rounds",
        "org": commune.parent.code,
        "period": "2023",
        "value": "2",
    }
    assert main(["pivot", "--indicators", "nope", "--org", "02", "--periods", "2023"]) == 2
    assert "Không có chỉ tiêu mã «nope»" in capsys.readouterr().err
