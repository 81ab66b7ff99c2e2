"""Reconciliation: what a narrative report states beside what the system holds."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from phongtrao.catalog.models import DataElement
from phongtrao.catalog.selectors import lexicon
from phongtrao.cli import main
from phongtrao.core.errors import InvalidInput
from phongtrao.core.models import AuditEvent
from phongtrao.datavalues.models import DataValue
from phongtrao.ingest.extract import ABOUT, LESS_THAN, MORE_THAN, NEARLY, extract
from phongtrao.ingest.reconcile import (
    MATCH,
    MISMATCH,
    MISSING,
    MSG_ACCEPT_NO_DATASET,
    MSG_ACCEPT_REFUSED,
    MSG_NO_INDICATOR,
    UNCHECKED,
    Accepted,
    figure_step,
    figures_accept,
    reconcile,
    value_matches,
)
from phongtrao.orgunits.models import OrgUnit

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_361dfef9dc19900e.txt"
START, END = date(2013, 8, 1), date(2023, 5, 30)


# --- comparing one number -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "step"),
    [("23.7", "0.1"), ("2500", "100"), ("2000", "1000"), ("7", "1"), ("78.24", "0.01")],
)
def test_the_step_is_the_last_significant_digit(value, step):
    assert figure_step(Decimal(value)) == Decimal(step)


@pytest.mark.parametrize(
    ("stated", "qualifier", "held", "expected"),
    [
        ("23.7", MORE_THAN, "23.72", True),  # "hơn 23,7 ha" and 23,72 held
        ("23.7", MORE_THAN, "23.8", False),
        ("23.7", MORE_THAN, "23.69", False),
        ("23.7", None, "23.72", True),  # prose rounds to the digits it writes
        ("23.7", None, "23.76", False),
        ("2500", None, "2500", True),
        ("2500", None, "2501", False),
        ("2000", NEARLY, "1980", True),  # "gần 2.000"
        ("2000", NEARLY, "2010", False),
        ("2500", ABOUT, "2549", True),  # "khoảng 2.500"
        ("2500", ABOUT, "2551", False),
        ("50", LESS_THAN, "48", True),  # "dưới 50"
        ("50", LESS_THAN, "50", False),
        ("78.24", None, "78.2431", True),
    ],
)
def test_a_held_figure_matches_what_the_words_state(stated, qualifier, held, expected):
    assert value_matches(Decimal(stated), qualifier, Decimal(held)) is expected


def test_a_number_written_with_a_multiplier_is_rounded_to_it():
    assert value_matches(Decimal(46_000_000), None, Decimal(46_230_000), rounded=True)
    assert not value_matches(Decimal(46_000_000), None, Decimal(46_230_000))


# --- accepting figures as values (before the demo province is loaded below) -------------------

REPORT = (
    "Tháng 5/2023, Công an phường tuyên truyền 12 đợt với 600 lượt người; tiếp nhận 15 nguồn "
    "tin; triệt phá hơn 2,5 ha cây thuốc phiện; UBND tỉnh tặng bằng khen cho 4 tập thể."
)


def chosen(text, *codes):
    figures = extract(text, lexicon()).figures
    return [
        Accepted(number, figure)
        for number, figure in enumerate(figures, start=1)
        if figure.indicator in codes
    ]


@pytest.mark.django_db
def test_accepted_figures_are_stored_as_values_with_their_audit(commune_user, commune):
    report = figures_accept(
        user=commune_user,
        chosen=chosen(REPORT, "propaganda_rounds", "propaganda_participants"),
        orgunit=commune,
        period="202305",
        file_label="bao-cao.txt",
    )
    assert report.summary["create"] == 2
    stored = {
        dv.element.code: (dv.value, dv.period_start, dv.source, dv.comment)
        for dv in DataValue.objects.filter(orgunit=commune)
    }
    # The monthly movement form counts months from the 15th to the 14th.
    assert stored["propaganda_rounds"][:3] == (12, date(2023, 4, 15), "import")
    assert stored["propaganda_rounds"][3] == "Từ báo cáo bao-cao.txt: «tuyên truyền 12 đợt»"
    events = AuditEvent.objects.filter(action="datavalue.create", source="import")
    assert events.count() == 2


@pytest.mark.django_db
def test_figures_that_cannot_be_values_refuse_all_with_their_reasons(commune_user, commune):
    picked = chosen(
        REPORT, "propaganda_rounds", "public_tips", "poppy_destroyed_ha", "awards_collectives"
    )
    with pytest.raises(InvalidInput, match=re.escape(MSG_ACCEPT_REFUSED)) as caught:
        figures_accept(user=commune_user, chosen=picked, orgunit=commune, period="202305")
    reasons = {row.field: row.reason for row in caught.value.extra["rows"]}
    tips = DataElement.objects.get(code="public_tips").short_name
    assert reasons["public_tips"] == MSG_ACCEPT_NO_DATASET.format(name=tips)
    assert reasons["poppy_destroyed_ha"] == (
        "«hơn 2,5 ha cây thuốc phiện» là số ước lượng (hơn), không nhận làm số liệu chính xác."
    )
    assert reasons["awards_collectives"].startswith("Kỳ «202305» không phải kỳ báo cáo")
    assert "propaganda_rounds" not in reasons
    assert not DataValue.objects.exists()


@pytest.mark.django_db
def test_a_yearly_province_form_refuses_a_commune(commune_user, commune):
    picked = [
        Accepted(a.number, a.figure, "bang_khen_chu_tich_ubnd_tinh")
        for a in chosen(REPORT, "awards_collectives")
    ]
    with pytest.raises(InvalidInput) as caught:
        figures_accept(user=commune_user, chosen=picked, orgunit=commune, period="2023")
    assert caught.value.extra["rows"][0].reason == (
        f"Biểu mẫu «{_awards_name()}» nhập ở cấp tỉnh; Phường Quang Trung không nhập biểu mẫu này."
    )


def _awards_name():
    from phongtrao.catalog.models import DataSet

    return DataSet.objects.get(code="yearly_awards").name


@pytest.mark.django_db
def test_an_award_figure_goes_to_the_part_of_the_split_it_matched(province_user, ha_giang):
    picked = [
        Accepted(a.number, a.figure, "bang_khen_chu_tich_ubnd_tinh")
        for a in chosen(REPORT, "awards_collectives")
    ]
    figures_accept(user=province_user, chosen=picked, orgunit=ha_giang, period="2023")
    value = DataValue.objects.get(element__code="awards_collectives")
    assert (value.option.code, value.value) == ("bang_khen_chu_tich_ubnd_tinh", 4)


# --- the seed report against the demo province (the session's `demo`) ----------------------


@pytest.mark.django_db
def test_every_figure_of_the_seed_matches_the_demo_province(demo):
    result = reconcile(
        text=SEED.read_text(encoding="utf-8"), orgunit=demo.province, start=START, end=END
    )
    assert len(result.rows) == 21
    assert {row.status for row in result.rows} == {MATCH}, [
        (row.figure.quote, row.held, row.note) for row in result.rows if row.status != MATCH
    ]
    assert result.consistent
    by_quote = {row.figure.quote: row for row in result.rows}
    poppy = by_quote["hơn 23,7 ha cây thuốc phiện"]
    assert (poppy.held, poppy.difference_text) == (Decimal("23.72"), "+0,02")
    wanted = next(r for r in result.rows if r.figure.indicator == "surrendered_wanted")
    assert wanted.figure.part_of is not None and wanted.held == 122
    awards = [r for r in result.rows if r.figure.indicator == "awards_collectives"]
    assert [(r.held, r.option) for r in awards] == [
        (4, "bang_khen_chu_tich_ubnd_tinh"),
        (2, "giay_khen_giam_doc_ca_tinh"),
    ]


@pytest.mark.django_db
def test_reconcile_prints_a_table_and_json(demo, capsys):
    args = ["reconcile", str(SEED), "--org", "02", "--from", "2013-08-01", "--to", "30/05/2023"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Báo cáo nêu" in out and "Hệ thống" in out and "Chênh lệch" in out
    assert "hơn 23,7" in out and "23,72" in out and "+0,02" in out
    assert "Khớp: 21, Lệch: 0" in out

    assert main([*args, "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["summary"] == {MATCH: 21, MISMATCH: 0, MISSING: 0, UNCHECKED: 0}
    row = result["rows"][0]
    assert (row["indicator"], row["stated"], row["held"], row["difference"], row["status"]) == (
        "propaganda_rounds",
        2500,
        2500,
        0,
        MATCH,
    )


@pytest.mark.django_db
def test_a_report_that_differs_is_shown_with_its_difference(demo, tmp_path, capsys):
    path = tmp_path / "bao-cao.txt"
    path.write_text(
        "Giai đoạn 2013 – 2023 tuyên truyền 2.501 đợt; tiếp nhận 15 nguồn tin; "
        "có 12 ngôi nhà được sửa.",
        encoding="utf-8",
    )
    result = reconcile(
        text=path.read_text(encoding="utf-8"), orgunit=demo.province, start=START, end=END
    )
    rows = {row.figure.indicator: row for row in result.rows}
    assert (rows["propaganda_rounds"].status, rows["propaganda_rounds"].difference) == (
        MISMATCH,
        Decimal(-1),
    )
    assert rows["public_tips"].status == MISSING
    assert (rows[None].status, rows[None].note) == (UNCHECKED, MSG_NO_INDICATOR)
    assert not result.consistent
    # Without --from/--to the period the report states is used.
    assert main(["reconcile", str(path), "--org", "02", "--hierarchy", "2008"]) == 1
    assert "từ 01/01/2013 đến 31/12/2023" in capsys.readouterr().out


@pytest.mark.django_db
def test_reconcile_keeps_to_the_users_scope(demo, commune_user, capsys):
    code = main(
        ["reconcile", str(SEED), "--org", "02", "--from", "2013-08-01", "--to", "2023-05-30",
         "--user", commune_user.username]
    )  # fmt: skip
    assert code == 2
    assert "Không tìm thấy đơn vị hành chính." in capsys.readouterr().err


@pytest.mark.django_db
def test_a_unit_with_no_records_holds_nothing(demo):
    other = OrgUnit.objects.get(hierarchy="2008", code="08")  # Tuyên Quang
    result = reconcile(text=SEED.read_text(encoding="utf-8"), orgunit=other, start=START, end=END)
    assert {row.status for row in result.rows} == {MISSING}
