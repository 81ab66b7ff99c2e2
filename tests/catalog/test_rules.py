from dataclasses import replace
from decimal import Decimal

import pytest

from phongtrao.catalog.expressions import MissingStrategy
from phongtrao.catalog.rules import (
    Importance,
    Operator,
    OutlierResult,
    RuleOutcome,
    RuleSpec,
    outlier_check,
    rule_check,
    rules_check,
)

D = Decimal

REHAB = RuleSpec(
    code="rehab_quit_le_participants",
    left="rehab_quit",
    operator=Operator.LE,
    right="rehab_participants",
    importance=Importance.ERROR,
    message="Số người từ bỏ được ma túy không được lớn hơn số người tham gia cai nghiện "
    "tại cộng đồng.",
)
SURRENDER = RuleSpec(
    code="surrendered_wanted_le_subjects",
    left="surrendered_wanted",
    operator=Operator.LE,
    right="surrendered_subjects",
    importance=Importance.ERROR,
    message="Số đối tượng truy nã ra đầu thú không được lớn hơn tổng số đối tượng ra đầu thú.",
)
MODELS = RuleSpec(
    code="typical_models_le_addresses",
    left=(
        "self_managed_household_groups + people_security_teams + mediation_teams"
        " + fire_prevention_teams"
    ),
    operator=Operator.LE,
    right="model_addresses",
    importance=Importance.ERROR,
    message="Tổng số nhóm liên gia tự quản, tổ an ninh nhân dân, tổ hòa giải và tổ PCCC không được "
    "lớn hơn số địa chỉ mô hình đang hoạt động.",
)
PROPAGANDA = RuleSpec(
    code="participants_ge_rounds",
    left="propaganda_participants",
    operator=Operator.GE,
    right="propaganda_rounds",
    importance=Importance.ERROR,
    message="Số lượt người được tuyên truyền không được nhỏ hơn số đợt tuyên truyền.",
)
# The seed's figures: 17.429 + 2.530 + 2.537 + 2.182 = 24.678 typical models of 28.229 addresses.
SEED_MODELS = {
    "self_managed_household_groups": D(17429),
    "people_security_teams": D(2530),
    "mediation_teams": D(2537),
    "fire_prevention_teams": D(2182),
    "model_addresses": D(28229),
}


@pytest.mark.parametrize(
    ("rule", "values", "left", "right", "passed"),
    [
        (REHAB, {"rehab_quit": D(1250), "rehab_participants": D(6505)}, D(1250), D(6505), True),
        (REHAB, {"rehab_quit": D(6505), "rehab_participants": D(6505)}, D(6505), D(6505), True),
        (REHAB, {"rehab_quit": D(6506), "rehab_participants": D(6505)}, D(6506), D(6505), False),
        (
            SURRENDER,
            {"surrendered_wanted": D(122), "surrendered_subjects": D(209)},
            D(122),
            D(209),
            True,
        ),
        (
            SURRENDER,
            {"surrendered_wanted": D(210), "surrendered_subjects": D(209)},
            D(210),
            D(209),
            False,
        ),
        (MODELS, SEED_MODELS, D(24678), D(28229), True),
        (MODELS, {**SEED_MODELS, "model_addresses": D(24677)}, D(24678), D(24677), False),
        (
            PROPAGANDA,
            {"propaganda_participants": D(248600), "propaganda_rounds": D(5200)},
            D(248600),
            D(5200),
            True,
        ),
        (
            PROPAGANDA,
            {"propaganda_participants": D(3), "propaganda_rounds": D(3)},
            D(3),
            D(3),
            True,
        ),
        (
            PROPAGANDA,
            {"propaganda_participants": D(2), "propaganda_rounds": D(3)},
            D(2),
            D(3),
            False,
        ),
    ],
)
def test_catalog_rule_fires_only_when_violated(
    rule: RuleSpec, values: dict[str, Decimal], left: Decimal, right: Decimal, passed: bool
) -> None:
    assert rule_check(rule, values) == RuleOutcome(rule=rule, left=left, right=right, passed=passed)


@pytest.mark.parametrize(
    ("missing", "values", "left", "passed"),
    [
        (MissingStrategy.SKIP, {**SEED_MODELS, "mediation_teams": None}, None, None),
        (MissingStrategy.ZERO, {**SEED_MODELS, "mediation_teams": None}, D(22141), True),
        (MissingStrategy.ZERO, {"model_addresses": D(5)}, None, None),
        (
            MissingStrategy.ZERO,
            {"people_security_teams": D(6), "model_addresses": D(5)},
            D(6),
            False,
        ),
    ],
)
def test_rule_with_missing_values_follows_its_strategy(
    missing: MissingStrategy,
    values: dict[str, Decimal | None],
    left: Decimal | None,
    passed: bool | None,
) -> None:
    rule = replace(MODELS, missing=missing)
    outcome = rule_check(rule, values)
    assert (outcome.left, outcome.passed) == (left, passed)


def test_rule_is_not_evaluated_when_a_side_is_missing() -> None:
    outcome = rule_check(REHAB, {"rehab_quit": D(1250)})
    assert outcome == RuleOutcome(rule=REHAB, left=D(1250), right=None, passed=None)
    assert outcome.explanation is None


@pytest.mark.parametrize(
    ("operator", "label", "holds_for_2_3", "holds_for_3_3"),
    [
        (Operator.EQ, "bằng", False, True),
        (Operator.NE, "khác", True, False),
        (Operator.LT, "nhỏ hơn", True, False),
        (Operator.LE, "nhỏ hơn hoặc bằng", True, True),
        (Operator.GT, "lớn hơn", False, False),
        (Operator.GE, "lớn hơn hoặc bằng", False, True),
    ],
)
def test_operator_compares_and_reads_in_vietnamese(
    operator: Operator, label: str, holds_for_2_3: bool, holds_for_3_3: bool
) -> None:
    assert operator.label == label
    assert operator.compare(D(2), D(3)) is holds_for_2_3
    assert operator.compare(D(3), D(3)) is holds_for_3_3


def test_failed_rule_explains_both_sides_with_vietnamese_numbers() -> None:
    outcome = rule_check(MODELS, {**SEED_MODELS, "model_addresses": D(24677)})
    assert outcome.explanation == (
        MODELS.message + " Vế trái: 24.678; vế phải: 24.677; yêu cầu vế trái nhỏ hơn hoặc bằng "
        "vế phải."
    )


def test_rules_check_keeps_order_and_evaluates_each_rule() -> None:
    values = {**SEED_MODELS, "rehab_quit": D(7000), "rehab_participants": D(6505)}
    outcomes = rules_check([REHAB, SURRENDER, MODELS, PROPAGANDA], values)
    assert [(o.rule.code, o.passed) for o in outcomes] == [
        ("rehab_quit_le_participants", False),
        ("surrendered_wanted_le_subjects", None),
        ("typical_models_le_addresses", True),
        ("participants_ge_rounds", None),
    ]


def test_rule_accepts_plain_strings_from_the_database() -> None:
    rule = RuleSpec("r", "a", "<", "c - b", "warning", "m", "zero")  # type: ignore[arg-type]
    assert rule_check(rule, {"a": D(1), "c": D(2)}).passed is True
    assert rule_check(rule, {"a": D(3), "c": D(2)}).passed is False


HISTORY = [D(100), D(104), D(96), D(102), D(98), D(100), D(101)]  # median 100, MAD 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D(100), None),
        (D(106), None),
        (D(94), None),
        (D(107), OutlierResult(value=D(107), median=D(100), mad=D(2), low=D(94), high=D(106))),
        (D(50), OutlierResult(value=D(50), median=D(100), mad=D(2), low=D(94), high=D(106))),
    ],
)
def test_outlier_is_flagged_beyond_three_median_absolute_deviations(
    value: Decimal, expected: OutlierResult | None
) -> None:
    assert outlier_check(value, HISTORY, min_relative=D(0)) == expected


def test_outlier_threshold_can_be_widened() -> None:
    assert outlier_check(D(107), HISTORY, threshold=D(4), min_relative=D(0)) is None


def test_outlier_band_is_never_narrower_than_half_the_median() -> None:
    steady = [D(10), D(12), D(11), D(9), D(10), D(12), D(11), D(10)]  # MAD 0.5
    assert outlier_check(D(13), steady) is None
    assert outlier_check(D(16), steady) == OutlierResult(
        D(16), D("10.5"), D("0.5"), D("5.25"), D("15.75")
    )


@pytest.mark.parametrize(
    ("value", "history", "expected"),
    [
        # A stock that did not move: tolerance is half the median (6 of 12).
        (D(13), [D(12)] * 6, None),
        (D(18), [D(12)] * 6, None),
        (D(19), [D(12)] * 6, OutlierResult(D(19), D(12), D(0), D(6), D(18))),
        (D(5), [D(12)] * 6, OutlierResult(D(5), D(12), D(0), D(6), D(18))),
        # A small median: tolerance is at least 1.
        (D(1), [D(0)] * 6, None),
        (D(2), [D(0)] * 6, OutlierResult(D(2), D(0), D(0), D(-1), D(1))),
        (
            D(3),
            [D(0), D(0), D(0), D(0), D(2), D(1), D(0)],
            OutlierResult(D(3), D(0), D(0), D(-1), D(1)),
        ),
    ],
)
def test_outlier_with_zero_mad_uses_half_the_median_and_at_least_one(
    value: Decimal, history: list[Decimal], expected: OutlierResult | None
) -> None:
    assert outlier_check(value, history) == expected


@pytest.mark.parametrize(
    ("history", "min_history", "expected_none"),
    [
        (HISTORY[:5], 6, True),
        (HISTORY[:6], 6, False),
        ([], 6, True),
        (HISTORY[:3], 3, False),
    ],
)
def test_outlier_check_needs_enough_history(
    history: list[Decimal], min_history: int, expected_none: bool
) -> None:
    assert (outlier_check(D(1000), history, min_history=min_history) is None) is expected_none
