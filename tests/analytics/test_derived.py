"""Derived indicators: formulas over indicator codes, checked without eval, used in pivots."""

import json
import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from phongtrao.analytics.aggregate import NOT_ADDITIVE
from phongtrao.analytics.derived import (
    MSG_CODE_INVALID,
    MSG_CODE_TAKEN,
    MSG_DERIVED_NOT_FOUND,
    MSG_OPTION_REFERENCE,
    derived_delete,
    derived_list,
    derived_load,
    derived_save,
)
from phongtrao.analytics.models import DerivedIndicator
from phongtrao.analytics.query import periods_parse, pivot, pivot_table
from phongtrao.catalog.expressions import (
    MSG_DANGLING_OPERATOR,
    MSG_DIVISION_BY_ZERO,
    MSG_UNEXPECTED_CHARACTER,
    MSG_UNKNOWN_CODE,
)
from phongtrao.cli import main
from phongtrao.core.errors import InvalidInput, NotFound
from phongtrao.datavalues.periods import period_parse
from phongtrao.registries import models as m

from .conftest import enter, person, propaganda

pytestmark = pytest.mark.django_db
QUIT_RATE = "rehab_quit / rehab_participants * 100"


@pytest.fixture
def quit_rate(db):
    return derived_save(
        code="quit_rate", name="Tỷ lệ từ bỏ ma túy", formula=QUIT_RATE, unit="%", decimals=1
    )


def rehab(unit, start, outcomes):
    round_ = m.RehabRound.objects.create(orgunit=unit, start=start, end=None)
    for i, outcome in enumerate(outcomes):
        m.RehabEnrolment.objects.create(
            round=round_, person=person(unit, f"Học viên {i}"), outcome=outcome
        )


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("rehab_quit / khong_co", MSG_UNKNOWN_CODE.format(code="khong_co")),
        ("rehab_quit / ", MSG_DANGLING_OPERATOR.format(operator="/", position=12)),
        ("__import__('os')", MSG_UNEXPECTED_CHARACTER.format(char="'", position=12)),
        (
            "weapons_explosives_collected.sung / 2",
            MSG_OPTION_REFERENCE.format(reference="weapons_explosives_collected.sung"),
        ),
    ],
)
def test_a_bad_formula_is_refused_with_a_clear_message(formula, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        derived_save(code="x_rate", name="Tỷ lệ", formula=formula)
    assert not DerivedIndicator.objects.exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("Ty-le", MSG_CODE_INVALID.format(code="Ty-le")),
        ("rehab_quit", MSG_CODE_TAKEN.format(code="rehab_quit")),
        ("public_tips", MSG_CODE_TAKEN.format(code="public_tips")),
    ],
)
def test_a_derived_code_must_be_new_and_plain(code, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        derived_save(code=code, name="Tỷ lệ", formula=QUIT_RATE)


def test_the_admin_form_shows_the_same_message():
    derived = DerivedIndicator(code="x_rate", name="Tỷ lệ", formula="rehab_quit / nope")
    with pytest.raises(ValidationError) as caught:
        derived.full_clean()
    assert caught.value.message_dict["formula"] == [MSG_UNKNOWN_CODE.format(code="nope")]


def test_a_ratio_is_computed_from_totals_not_added_up(quit_rate, commune, sibling_commune):
    rehab(commune, date(2023, 2, 1), [m.RehabOutcome.QUIT, m.RehabOutcome.RELAPSED])
    rehab(sibling_commune, date(2023, 3, 1), [m.RehabOutcome.QUIT] + [m.RehabOutcome.RELAPSED] * 7)
    table = pivot_table(
        indicators=["quit_rate", "rehab_participants"],
        units=[commune, sibling_commune],
        periods=[period_parse("2023")],
    )
    year = table.periods[0]
    assert table.cell("quit_rate", commune, year).value == 50
    assert str(table.cell("quit_rate", sibling_commune, year).value) == "12.5"
    # Two quitters of ten participants: 20 %, not the 62,5 % of adding the rates.
    assert table.total("quit_rate", period=year).value == 20


def test_division_by_zero_leaves_the_cell_empty_with_the_reason(commune):
    derived_save(
        code="per_round",
        name="Lượt người mỗi đợt",
        formula="propaganda_participants / propaganda_rounds",
        decimals=0,
    )
    enter("propaganda_rounds", commune, period_parse("202301"), 0)
    enter("propaganda_participants", commune, period_parse("202301"), 0)
    propaganda(commune, date(2023, 2, 3), 45)
    propaganda(commune, date(2023, 2, 9), 30)
    cells = pivot(indicators=["per_round"], units=[commune], periods=periods_parse("202301:202303"))
    january, february, march = cells
    message = MSG_DIVISION_BY_ZERO.format(expression="propaganda_participants / propaganda_rounds")
    assert (january.value, january.error) == (None, message)
    assert (february.value, february.error) == (38, "")  # 37,5 rounded half up
    assert (march.value, march.error) == (None, "")  # missing, not an error


def test_a_formula_over_a_not_additive_count_is_not_additive(quit_rate, commune):
    months = periods_parse("202301:202302")
    for month in months:
        enter("rehab_participants", commune, month, 10)
        enter("rehab_quit", commune, month, 2)
    cells = pivot(
        indicators=["quit_rate"], units=[commune], periods=[*months, period_parse("2023")]
    )
    assert [c.value for c in cells] == [20, 20, NOT_ADDITIVE]


def test_list_delete_and_the_shipped_file(quit_rate):
    assert [d["code"] for d in derived_list()] == ["quit_rate"]
    result = derived_load()
    assert result.created >= 3 and result.updated == 0
    assert derived_load().updated == result.created
    derived_delete(code="quit_rate")
    with pytest.raises(NotFound, match=re.escape(MSG_DERIVED_NOT_FOUND.format(code="quit_rate"))):
        derived_delete(code="quit_rate")


def test_a_file_with_one_bad_formula_writes_nothing(tmp_path):
    path = tmp_path / "derived.json"
    path.write_text(
        json.dumps(
            [
                {"code": "good", "name": "Tốt", "formula": QUIT_RATE},
                {"code": "bad", "name": "Hỏng", "formula": "rehab_quit / nope"},
            ]
        ),
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as caught:
        derived_load(path=path)
    assert caught.value.extra["rows"][0].reason == MSG_UNKNOWN_CODE.format(code="nope")
    assert not DerivedIndicator.objects.exists()


def test_the_command_line_adds_lists_and_removes(capsys):
    assert (
        main(["analytics", "derived", "add", "q_rate", "--name", "Tỷ lệ", "--formula", QUIT_RATE])
        == 0
    )
    assert main(["analytics", "derived", "list", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out[out.index("[") :])[0]["formula"] == QUIT_RATE
    assert main(["analytics", "derived", "add", "q2", "--name", "X", "--formula", "1 / nope"]) == 2
    assert MSG_UNKNOWN_CODE.format(code="nope") in capsys.readouterr().err
    assert main(["analytics", "derived", "remove", "q_rate"]) == 0
    assert not DerivedIndicator.objects.exists()


def test_the_admin_refuses_a_formula_with_an_unknown_code(admin_client):
    response = admin_client.post(
        "/admin/analytics/derivedindicator/add/",
        {"code": "x_rate", "name": "Tỷ lệ", "formula": "rehab_quit / nope", "decimals": "1"},
    )
    assert response.status_code == 200
    assert MSG_UNKNOWN_CODE.format(code="nope") in response.content.decode()
    response = admin_client.post(
        "/admin/analytics/derivedindicator/add/",
        {"code": "x_rate", "name": "Tỷ lệ", "formula": QUIT_RATE, "decimals": "1"},
    )
    assert response.status_code == 302
    assert DerivedIndicator.objects.get(code="x_rate").formula == QUIT_RATE
