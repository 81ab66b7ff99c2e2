"""Indicators computed from the registries, for any subtree and date range, each with its
own semantics: flows summed over the range, stocks taken at its end, people counted once.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from phongtrao.analytics.figures import Figure as Figure
from phongtrao.analytics.figures import Origin as Origin
from phongtrao.catalog.indicators import registry_codes

if TYPE_CHECKING:
    from phongtrao.orgunits.models import OrgUnit


# The indicators the registries keep, in the review's order: read from the one indicator
# registry (phongtrao.catalog.indicators); how each derives (flow, stock, distinct people...) is
# written once, in phongtrao.analytics.sources, and computed by its SQL engine.
SOURCES: tuple[str, ...] = registry_codes()


def registry_figure(*, code: str, root: OrgUnit, start: date, end: date) -> Figure | None:
    """Return the indicator computed from the registries under root over [start, end].

    None when no registry keeps the indicator; a value of None when no record counts (missing,
    not zero).
    """
    from phongtrao.analytics.selectors import registry_indicator_figure

    return registry_indicator_figure(code=code, root=root, start=start, end=end)
