import re
from decimal import Decimal

import pytest

from phongtrao.catalog.expressions import (
    MSG_DANGLING_OPERATOR,
    MSG_DIVISION_BY_ZERO,
    MSG_EMPTY,
    MSG_MISSING_OPERATOR,
    MSG_TOO_DEEP,
    MSG_TOO_LONG,
    MSG_UNCLOSED_PARENTHESIS,
    MSG_UNEXPECTED_CHARACTER,
    MSG_UNEXPECTED_SYMBOL,
    MSG_UNKNOWN_CODE,
    MSG_UNOPENED_PARENTHESIS,
    MissingStrategy,
    parse_expression,
)
from phongtrao.core.errors import InvalidInput

D = Decimal
KNOWN = {"rehab_quit", "rehab_participants", "weapons_explosives_collected", "model_addresses"}


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("1 + 2 * 3", {}, D(7)),
        ("(1 + 2) * 3", {}, D(9)),
        ("10 - 4 - 3", {}, D(3)),
        ("100 / 10 / 5", {}, D(2)),
        ("-2 * -3", {}, D(6)),
        ("a - -b", {"a": D(5), "b": D(2)}, D(7)),
        ("-(a + b)", {"a": D(5), "b": D(2)}, D(-7)),
        ("0.5 * 1000", {}, D(500)),
        ("a\t+\nb", {"a": D(1), "b": D(2)}, D(3)),
        (
            "rehab_quit / rehab_participants * 100",
            {"rehab_quit": D(1), "rehab_participants": D(4)},
            D(25),
        ),
        (
            "weapons_explosives_collected.sung + weapons_explosives_collected.min",
            {
                "weapons_explosives_collected.sung": D(120),
                "weapons_explosives_collected.min": D(30),
            },
            D(150),
        ),
    ],
)
def test_expression_evaluates_with_usual_precedence_in_decimal(
    text: str, values: dict[str, Decimal], expected: Decimal
) -> None:
    result = parse_expression(text).evaluate(values)
    assert result == expected
    assert isinstance(result, Decimal)


def test_long_chain_of_sums_evaluates_without_deep_recursion() -> None:
    text = "a+" * 499 + "a"
    assert parse_expression(text).evaluate({"a": D(2)}) == D(1000)


def test_expression_lists_codes_as_written_and_element_codes() -> None:
    expression = parse_expression(
        "weapons_explosives_collected.sung + weapons_explosives_collected + model_addresses * 2"
    )
    assert expression.codes == {
        "weapons_explosives_collected.sung",
        "weapons_explosives_collected",
        "model_addresses",
    }
    assert expression.element_codes == {"weapons_explosives_collected", "model_addresses"}
    assert expression.text.startswith("weapons_explosives_collected.sung")


def test_expression_is_immutable() -> None:
    expression = parse_expression("a + b")
    with pytest.raises(AttributeError):
        expression.text = "c"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("values", "missing", "expected"),
    [
        ({"a": D(3), "b": D(4)}, MissingStrategy.SKIP, D(7)),
        ({"a": D(3)}, MissingStrategy.SKIP, None),
        ({"a": D(3), "b": None}, MissingStrategy.SKIP, None),
        ({"a": D(3)}, MissingStrategy.ZERO, D(3)),
        ({"a": D(3), "b": None}, MissingStrategy.ZERO, D(3)),
        ({}, MissingStrategy.ZERO, None),
        ({"a": None, "b": None}, MissingStrategy.ZERO, None),
        ({"a": D(0), "b": D(0)}, MissingStrategy.SKIP, D(0)),
        ({"a": D(0)}, MissingStrategy.ZERO, D(0)),
    ],
)
def test_missing_values_follow_the_strategy(
    values: dict[str, Decimal | None], missing: MissingStrategy, expected: Decimal | None
) -> None:
    assert parse_expression("a + b").evaluate(values, missing=missing) == expected


def test_reference_with_option_is_looked_up_by_its_full_text() -> None:
    expression = parse_expression("weapons_explosives_collected.sung")
    assert expression.evaluate({"weapons_explosives_collected": D(9)}) is None
    assert expression.evaluate({"weapons_explosives_collected.sung": D(9)}) == D(9)


def test_constant_expression_has_a_value_even_with_zero_strategy() -> None:
    assert parse_expression("2 * 3").evaluate({}, missing=MissingStrategy.ZERO) == D(6)


@pytest.mark.parametrize(
    ("text", "values", "shown"),
    [
        (
            "rehab_quit / rehab_participants * 100",
            {"rehab_quit": D(5), "rehab_participants": D(0)},
            "rehab_quit / rehab_participants * 100",
        ),
        ("0 / 0", {}, "0 / 0"),
        ("a /\n  (b - b)", {"a": D(1), "b": D(2)}, "a / (b - b)"),
    ],
)
def test_division_by_zero_names_the_expression(
    text: str, values: dict[str, Decimal], shown: str
) -> None:
    expression = parse_expression(text)
    with pytest.raises(
        InvalidInput, match=re.escape(MSG_DIVISION_BY_ZERO.format(expression=shown))
    ):
        expression.evaluate(values)


def test_division_by_missing_value_treated_as_zero_is_refused() -> None:
    expression = parse_expression("a / b")
    with pytest.raises(
        InvalidInput, match=re.escape(MSG_DIVISION_BY_ZERO.format(expression="a / b"))
    ):
        expression.evaluate({"a": D(1)}, missing=MissingStrategy.ZERO)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("xyz", "xyz"),
        ("rehab_quit + xyz * 2", "xyz"),
        ("rehab_typo.sung", "rehab_typo"),
    ],
)
def test_unknown_code_is_named(text: str, code: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(MSG_UNKNOWN_CODE.format(code=code))):
        parse_expression(text, known_codes=KNOWN)


def test_unknown_code_message_reads_in_vietnamese() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_expression("xyz", known_codes=KNOWN)
    assert caught.value.message == "Không có chỉ tiêu mã «xyz»."


def test_known_code_check_uses_the_part_before_the_option() -> None:
    expression = parse_expression("weapons_explosives_collected.sung", known_codes=KNOWN)
    assert expression.element_codes == {"weapons_explosives_collected"}


def test_codes_are_not_checked_without_known_codes() -> None:
    assert parse_expression("anything_goes").codes == {"anything_goes"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", MSG_EMPTY),
        ("   ", MSG_EMPTY),
        ("a + b$", MSG_UNEXPECTED_CHARACTER.format(char="$", position=6)),
        ("rehab_Quit", MSG_UNEXPECTED_CHARACTER.format(char="Q", position=7)),
        ("a ^ 2", MSG_UNEXPECTED_CHARACTER.format(char="^", position=3)),
        ("1,5 * a", MSG_UNEXPECTED_CHARACTER.format(char=",", position=2)),
        (".5", MSG_UNEXPECTED_CHARACTER.format(char=".", position=1)),
        ("a.b.c", MSG_UNEXPECTED_CHARACTER.format(char=".", position=4)),
        ("a\u200b", MSG_UNEXPECTED_CHARACTER.format(char="U+200B", position=2)),
        ("\u0663 + 1", MSG_UNEXPECTED_CHARACTER.format(char="\u0663", position=1)),
        ("a +", MSG_DANGLING_OPERATOR.format(operator="+", position=3)),
        ("* a", MSG_DANGLING_OPERATOR.format(operator="*", position=1)),
        ("+a", MSG_DANGLING_OPERATOR.format(operator="+", position=1)),
        ("a + * b", MSG_DANGLING_OPERATOR.format(operator="*", position=5)),
        ("(a -)", MSG_DANGLING_OPERATOR.format(operator="-", position=4)),
        ("(a + b", MSG_UNCLOSED_PARENTHESIS.format(position=1)),
        ("((a + b) * 2", MSG_UNCLOSED_PARENTHESIS.format(position=1)),
        ("(", MSG_UNCLOSED_PARENTHESIS.format(position=1)),
        ("a + b)", MSG_UNOPENED_PARENTHESIS.format(position=6)),
        (")", MSG_UNOPENED_PARENTHESIS.format(position=1)),
        ("()", MSG_UNEXPECTED_SYMBOL.format(token=")", position=2)),
        ("a b", MSG_MISSING_OPERATOR.format(token="b", position=3)),
        ("2 (a)", MSG_MISSING_OPERATOR.format(token="(", position=3)),
    ],
)
def test_syntax_error_says_what_and_where(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        parse_expression(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os')", MSG_UNEXPECTED_CHARACTER.format(char="'", position=12)),
        ('__import__("os").system("ls")', MSG_UNEXPECTED_CHARACTER.format(char='"', position=12)),
        ("eval(a)", MSG_MISSING_OPERATOR.format(token="(", position=5)),
        ("os.system(x)", MSG_MISSING_OPERATOR.format(token="(", position=10)),
        ("a.__class__.__bases__", MSG_UNEXPECTED_CHARACTER.format(char=".", position=12)),
        ("[a for a in b]", MSG_UNEXPECTED_CHARACTER.format(char="[", position=1)),
        ("lambda: 1", MSG_UNEXPECTED_CHARACTER.format(char=":", position=7)),
        ("a if b else c", MSG_MISSING_OPERATOR.format(token="if", position=3)),
        ("a ** 1000000", MSG_DANGLING_OPERATOR.format(operator="*", position=4)),
        ("1e1000", MSG_MISSING_OPERATOR.format(token="e1000", position=2)),
    ],
)
def test_python_code_is_refused_as_syntax_error(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        parse_expression(text)


@pytest.mark.parametrize(
    "text",
    [
        "(" * 51 + "a" + ")" * 51,
        "-" * 51 + "a",
        "(-" * 26 + "a" + ")" * 26,
    ],
)
def test_nesting_deeper_than_fifty_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(MSG_TOO_DEEP.format(limit="50"))):
        parse_expression(text)


def test_nesting_of_fifty_is_accepted() -> None:
    assert parse_expression("(" * 50 + "a" + ")" * 50).evaluate({"a": D(1)}) == D(1)


def test_text_over_a_thousand_characters_is_refused() -> None:
    assert len(parse_expression("a" * 1000).text) == 1000
    with pytest.raises(InvalidInput, match=re.escape(MSG_TOO_LONG.format(limit="1.000"))):
        parse_expression("a" * 1001)
