"""Checks on derived indicator formulas: codes they may use, parse without eval.

Below the models: `DerivedIndicator.clean()` and the derived services both call these.
"""

from __future__ import annotations

import re

from phongtrao.catalog.expressions import Expression, parse_expression
from phongtrao.catalog.models import DataElement
from phongtrao.core.errors import InvalidInput
from phongtrao.core.text import nfc

from .sources import source_of

MSG_CODE_INVALID = "Mã «{code}» không hợp lệ: chỉ dùng chữ thường không dấu, số và dấu gạch dưới."
MSG_CODE_TAKEN = "Mã «{code}» đã là mã của một chỉ tiêu; hãy chọn mã khác."
MSG_OPTION_REFERENCE = (
    "Công thức chỉ tiêu phái sinh chỉ dùng mã chỉ tiêu, chưa dùng được phân tổ «{reference}»."
)
_CODE = re.compile(r"[a-z_][a-z0-9_]*")


def base_codes() -> set[str]:
    """Return the codes a formula may use: every data element and registry-derived indicator."""
    return set(DataElement.objects.values_list("code", flat=True)) | set(source_of())


def derived_expression(formula: str) -> Expression:
    """Parse a formula over indicator codes; unknown codes and option references are refused."""
    expression = parse_expression(nfc(formula), known_codes=base_codes())
    for reference in sorted(expression.codes):
        if "." in reference:
            raise InvalidInput(MSG_OPTION_REFERENCE.format(reference=reference))
    return expression


def derived_check(*, code: str, formula: str) -> Expression:
    """Check a derived indicator's code and formula; return the parsed formula."""
    if not _CODE.fullmatch(code or ""):
        raise InvalidInput(MSG_CODE_INVALID.format(code=code), field="code")
    if code in base_codes():
        raise InvalidInput(MSG_CODE_TAKEN.format(code=code), field="code")
    return derived_expression(formula)
