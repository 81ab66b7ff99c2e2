"""Reviews made by hand, for the tests of the text that need no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from phongtrao.catalog.indicators import indicator_codes
from phongtrao.reports.builders import (
    BreakdownItem,
    FigureData,
    OrgInfo,
    PeriodFigures,
    Quality,
    Review,
)

HA_GIANG = OrgInfo(
    pk=1,
    code="02",
    name="Tỉnh Hà Giang",
    short_name="Hà Giang",
    unit_type="tỉnh",
    level="province",
    hierarchy="2008",
    province_name="Tỉnh Hà Giang",
    province_short_name="Hà Giang",
    province_type="tỉnh",
)

# The seed's figures (../shared/seed/*.gold.json); the exact poppy area lies above 23,7 ha.
SEED_VALUES: dict[str, str] = {
    "propaganda_rounds": "2500",
    "propaganda_participants": "248600",
    "model_types": "86",
    "model_addresses": "28229",
    "self_managed_household_groups": "17429",
    "people_security_teams": "2530",
    "mediation_teams": "2537",
    "fire_prevention_teams": "2182",
    "self_management_organizations": "28229",
    "persons_managed_educated": "6626",
    "rehab_rounds": "31",
    "rehab_participants": "6505",
    "rehab_quit": "1250",
    "poppy_destroyed_ha": "23.72",
    "weapons_explosives_collected": "25643",
    "surrendered_subjects": "209",
    "surrendered_wanted": "122",
    "awards_collectives": "6",
    "awards_individuals": "9",
}
SEED_BREAKDOWNS = {
    "awards_collectives": {"bang_khen_chu_tich_ubnd_tinh": 4, "giay_khen_giam_doc_ca_tinh": 2},
    "awards_individuals": {"bang_khen_chu_tich_ubnd_tinh": 6, "giay_khen_giam_doc_ca_tinh": 3},
}


def _figures(
    values: dict[str, str | int | None], breakdowns: dict[str, dict[str, int]]
) -> dict[str, FigureData]:
    figures = {}
    for code in indicator_codes():
        raw = values.get(code)
        figures[code] = FigureData(
            code=code,
            name=code,
            short_name=code,
            unit="",
            value_type="decimal" if code == "poppy_destroyed_ha" else "integer",
            value=None if raw is None else Decimal(str(raw)),
            breakdown=[
                BreakdownItem(k, k, Decimal(v)) for k, v in breakdowns.get(code, {}).items()
            ],
        )
    return figures


def make_review(
    values: dict[str, str | int | None],
    *,
    breakdowns: dict[str, dict[str, int]] | None = None,
    previous: dict[str, str | int | None] | None = None,
    start: date = date(2013, 8, 1),
    end: date = date(2023, 5, 30),
) -> Review:
    before = None
    if previous is not None:
        length = end - start
        before_end = date.fromordinal(start.toordinal() - 1)
        before = PeriodFigures(before_end - length, before_end, _figures(previous, {}))
    return Review(
        org=HA_GIANG,
        start=start,
        end=end,
        figures=_figures(values, breakdowns or {}),
        children=[],
        previous=before,
        slices=[],
        slice_kind="year",
        series={},
        quality=Quality(),
    )


def seed_review(**changes: str | int | None) -> Review:
    return make_review({**SEED_VALUES, **changes}, breakdowns=SEED_BREAKDOWNS)
