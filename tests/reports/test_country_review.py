"""The review for the whole country: built from the same roll-ups, written for the country."""

import dataclasses
import json
from datetime import date

import pytest

from phongtrao.analytics.query import pivot
from phongtrao.datavalues.periods import Period, PeriodKind
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit
from phongtrao.reports.builders import review_build, review_json
from phongtrao.reports.narrative import review_narrative
from phongtrao.reports.render.document import document_build

from ..template_db import SMALL_PROVINCES
from .test_commands import run

# The country's review over ten years counts every commune of the country for each month.
# The demo lies in the small world (tests/conftest.py): its country has two old provinces.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]
PROVINCES = len(SMALL_PROVINCES)

START, END = date(2013, 8, 1), date(2023, 5, 30)


@pytest.fixture(scope="module")
def reviews(demo, django_db_blocker):
    """The country's review and the demo province's, over the seed's range."""
    with django_db_blocker.unblock():
        country = demo.province.parent
        return (
            review_build(root=country, start=START, end=END),
            review_build(root=demo.province, start=START, end=END),
        )


def test_the_countrys_figures_are_the_demo_provinces_where_only_it_has_data(reviews, demo):
    country, province = reviews
    assert country.org.level == Level.COUNTRY and country.org.code == "VN"
    assert set(country.figures) == set(province.figures)
    code = demo.province.code
    checked = 0
    for key, figure in country.figures.items():
        other = province.figures[key]
        assert figure.value == other.value, key
        assert figure.not_additive == other.not_additive, key
        assert [dataclasses.astuple(b) for b in figure.breakdown] == [
            dataclasses.astuple(b) for b in other.breakdown
        ], key
        if figure.value is not None and not figure.not_additive:
            # By province: the demo province holds the whole figure.
            assert figure.by_child.get(code) == figure.value, key
            assert {k for k, v in figure.by_child.items() if v} == {code}, key
            checked += 1
        assert country.series.get(key) == province.series.get(key), key
    assert checked >= 15
    assert (country.previous is None) == (province.previous is None)


def test_the_countrys_children_are_the_provinces_of_its_tree(reviews):
    country, _ = reviews
    provinces = OrgUnit.objects.filter(hierarchy=Hierarchy.OLD, level=Level.PROVINCE)
    assert [c.code for c in country.children] == sorted(provinces.values_list("code", flat=True))
    assert len(country.children) == PROVINCES
    assert review_json(country)["children"]["02"] == "Tỉnh Hà Giang"


def test_the_countrys_review_reads_as_a_national_report(reviews):
    country, _ = reviews
    narrative = review_narrative(country)
    assert narrative.title.startswith(
        "Tổng kết 10 năm phối hợp thực hiện phong trào Toàn dân bảo vệ an ninh Tổ quốc "
        "trên phạm vi toàn quốc (từ ngày"
    )
    intro = "".join(str(part) for p in narrative.intro for part in p.parts)
    assert "các tổ chức, đoàn thể trên phạm vi toàn quốc, phong trào" in intro
    assert "địa bàn" not in narrative.title + intro
    document = document_build(country, narrative=narrative, charts=[])
    assert document.issuers == ["BỘ CÔNG AN", "ỦY BAN TRUNG ƯƠNG MẶT TRẬN TỔ QUỐC VIỆT NAM"]
    assert document.number == "Số: .../BC-BCA-MTTW"
    assert document.place_date == "Hà Nội, ngày 30 tháng 5 năm 2023"
    assert ["BỘ CÔNG AN", "BỘ TRƯỞNG"] in [s.lines for s in document.signatures]
    tables = [b.table for b in document.blocks if b.kind == "table"]
    by_province = [t for t in tables if t.title.endswith(". Kết quả theo tỉnh, thành phố")]
    assert by_province, [t.title for t in tables]
    names = [r.cells[0].text for r in by_province[0].rows]
    assert len(names) == PROVINCES + 1 and "Tỉnh Hà Giang" in names and names[-1] == "Toàn quốc"


def test_the_review_command_without_org_is_the_country(demo, tmp_path, capsys):
    # A few months: the data-quality appendix of the country counts every commune and month.
    start, end = date(2023, 1, 1), END
    out = tmp_path / "country.json"
    assert run("--from", start.isoformat(), "--to", end.isoformat(), "-o", str(out)) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["org"] == "VN" and len(data["children"]) == PROVINCES
    [cell] = pivot(
        indicators=["propaganda_participants"],
        units=[demo.province],
        periods=[Period(PeriodKind.RANGE, start, end)],
    )
    assert cell.value
    assert data["figures"]["propaganda_participants"]["value"] == pytest.approx(float(cell.value))
    assert "Báo cáo tổng kết: Việt Nam (mã VN)" in capsys.readouterr().err
