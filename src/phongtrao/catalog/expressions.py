"""Safe arithmetic over indicator codes: a tokenizer and a recursive-descent parser, never eval."""

from __future__ import annotations

import operator as op
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from phongtrao.core.errors import InvalidInput
from phongtrao.core.numbers import format_vi_number

MAX_LENGTH = 1000
MAX_DEPTH = 50

MSG_EMPTY = "Biểu thức trống."
MSG_TOO_LONG = "Biểu thức quá dài: tối đa {limit} ký tự."
MSG_TOO_DEEP = "Biểu thức lồng nhau quá sâu: tối đa {limit} cấp."
MSG_UNEXPECTED_CHARACTER = "Ký tự không hợp lệ «{char}» ở vị trí {position}."
MSG_UNEXPECTED_SYMBOL = "Không mong đợi «{token}» ở vị trí {position}."
MSG_MISSING_OPERATOR = "Thiếu phép toán trước «{token}» ở vị trí {position}."
MSG_DANGLING_OPERATOR = "Phép toán «{operator}» ở vị trí {position} thiếu toán hạng."
MSG_UNCLOSED_PARENTHESIS = "Dấu mở ngoặc «(» ở vị trí {position} chưa được đóng."
MSG_UNOPENED_PARENTHESIS = "Dấu đóng ngoặc «)» ở vị trí {position} không có dấu mở ngoặc tương ứng."
MSG_UNKNOWN_CODE = "Không có chỉ tiêu mã «{code}»."
MSG_DIVISION_BY_ZERO = "Phép chia cho 0 khi tính biểu thức «{expression}»."

# ASCII only on purpose: `\d` and str.isdigit() also accept digits of other scripts.
_TOKEN = re.compile(
    r"(?P<number>[0-9]+(?:\.[0-9]+)?)"
    r"|(?P<ref>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?)"
    r"|(?P<op>[-+*/])|(?P<open>\()|(?P<close>\))|(?P<space>\s+)"
)
_OPERATIONS = {"+": op.add, "-": op.sub, "*": op.mul, "/": op.truediv}


class MissingStrategy(StrEnum):
    SKIP = "skip"
    ZERO = "zero"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # number, ref, op, open, close, end
    text: str
    position: int  # 1-based


@dataclass(frozen=True, slots=True)
class _Chain:
    """Operands of one precedence level, so a long `a + b + c ...` stays one level deep."""

    first: _Node
    rest: tuple[tuple[str, _Node], ...]


type _Node = Decimal | str | _Chain  # a number, a reference, or a chain of operations


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    while index < len(text):
        match = _TOKEN.match(text, index)
        if match is None or match.lastgroup is None:
            char = text[index]
            shown = char if char.isprintable() else f"U+{ord(char):04X}"
            raise InvalidInput(MSG_UNEXPECTED_CHARACTER.format(char=shown, position=index + 1))
        if match.lastgroup != "space":
            tokens.append(_Token(match.lastgroup, match.group(), index + 1))
        index = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.references: list[str] = []

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise InvalidInput(MSG_TOO_DEEP.format(limit=format_vi_number(MAX_DEPTH)))

    def parse(self) -> _Node:
        node = self.sum()
        self.expect_after_operand("end")
        return node

    def expect_after_operand(self, kind: str) -> None:
        token = self.token
        if token.kind == kind:
            return
        if token.kind == "close":
            raise InvalidInput(MSG_UNOPENED_PARENTHESIS.format(position=token.position))
        raise InvalidInput(MSG_MISSING_OPERATOR.format(token=token.text, position=token.position))

    def sum(self) -> _Node:
        return self.chain(self.product, "+-")

    def product(self) -> _Node:
        return self.chain(self.unary, "*/")

    def chain(self, operand: Callable[[], _Node], operators: str) -> _Node:
        first = operand()
        rest: list[tuple[str, _Node]] = []
        while self.token.kind == "op" and self.token.text in operators:
            operator = self.advance().text
            rest.append((operator, operand()))
        return _Chain(first, tuple(rest)) if rest else first

    def unary(self) -> _Node:
        if self.token.kind == "op" and self.token.text == "-":
            self.advance()
            self.enter()
            # -x is read as 0 - x, which also keeps -0 from showing up in results.
            node = _Chain(Decimal(0), (("-", self.unary()),))
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> _Node:
        token = self.token
        if token.kind == "number":
            self.advance()
            return Decimal(token.text)
        if token.kind == "ref":
            self.advance()
            self.references.append(token.text)
            return token.text
        if token.kind == "open":
            self.advance()
            self.enter()
            node = self.sum()
            if self.token.kind == "end":
                raise InvalidInput(MSG_UNCLOSED_PARENTHESIS.format(position=token.position))
            self.expect_after_operand("close")
            self.advance()
            self.depth -= 1
            return node
        raise self.missing_operand(token)

    def missing_operand(self, token: _Token) -> InvalidInput:
        previous = self.tokens[self.index - 1].kind if self.index else None
        if token.kind == "op":  # `* a`, `a + * b`: this operator has nothing on its left
            message, culprit = MSG_DANGLING_OPERATOR, token
        elif previous == "op":  # `a +`, `(a -)`: the operator before has nothing on its right
            message, culprit = MSG_DANGLING_OPERATOR, self.tokens[self.index - 1]
        elif previous == "open" and token.kind == "end":
            message, culprit = MSG_UNCLOSED_PARENTHESIS, self.tokens[self.index - 1]
        elif previous is None and token.kind == "close":
            message, culprit = MSG_UNOPENED_PARENTHESIS, token
        else:
            message, culprit = MSG_UNEXPECTED_SYMBOL, token
        return InvalidInput(
            message.format(operator=culprit.text, token=culprit.text, position=culprit.position)
        )


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed expression; equal to another when its text is equal."""

    text: str
    root: _Node = field(repr=False, compare=False)
    codes: frozenset[str] = field(compare=False)

    @property
    def element_codes(self) -> frozenset[str]:
        return frozenset(code.partition(".")[0] for code in self.codes)

    def evaluate(
        self,
        values: Mapping[str, Decimal | None],
        *,
        missing: MissingStrategy = MissingStrategy.SKIP,
    ) -> Decimal | None:
        """Compute the value in Decimal; None when the missing strategy says it cannot be known."""
        present = {code: values[code] for code in self.codes if values.get(code) is not None}
        if len(present) < len(self.codes):
            if missing is MissingStrategy.SKIP or not present:
                return None
        return self._compute(self.root, present)

    def _compute(self, node: _Node, present: Mapping[str, Decimal | None]) -> Decimal:
        match node:
            case Decimal():
                return node
            case str():
                return Decimal(present.get(node) or 0)
            case _Chain(first, rest):
                result = self._compute(first, present)
                for operator, operand in rest:
                    result = self._apply(operator, result, self._compute(operand, present))
                return result
        raise TypeError(node)  # pragma: no cover

    def _apply(self, operator: str, left: Decimal, right: Decimal) -> Decimal:
        if operator == "/" and right == 0:
            shown = " ".join(self.text.split())
            raise InvalidInput(MSG_DIVISION_BY_ZERO.format(expression=shown), expression=shown)
        return _OPERATIONS[operator](left, right)


def parse_expression(text: str, *, known_codes: Collection[str] | None = None) -> Expression:
    """Parse text into an Expression, refusing anything but numbers, codes, + - * / and ()."""
    if len(text) > MAX_LENGTH:
        raise InvalidInput(MSG_TOO_LONG.format(limit=format_vi_number(MAX_LENGTH)))
    if not text.strip():
        raise InvalidInput(MSG_EMPTY)
    parser = _Parser(_tokenize(text))
    root = parser.parse()
    if known_codes is not None:
        for reference in parser.references:
            code = reference.partition(".")[0]
            if code not in known_codes:
                raise InvalidInput(MSG_UNKNOWN_CODE.format(code=code), code=code)
    return Expression(text=text, root=root, codes=frozenset(parser.references))
