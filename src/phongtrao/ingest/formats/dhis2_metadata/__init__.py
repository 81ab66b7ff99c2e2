"""DHIS2 metadata in: organisation units, category combos and their option combos, data elements,
data sets and validation rules, each mapped by UID (and by code) to our objects.

One import is one transaction, and a dry run performs it and rolls it back, so it reports
exactly what a real run would create, change, leave alone, skip or refuse.

How DHIS2's objects become ours:
- Organisation units go into their own hierarchy ("dhis2"): a Sierra Leone chiefdom is not a
  Vietnamese commune. Their code is the DHIS2 UID, so every command that takes `--org` takes the
  UID; the DHIS2 code is kept as a second mapping. The depth is the position in the tree; DHIS2
  level 1, 2 and 3 are our province, district and commune levels, and deeper levels "facility".
  `unit_type` is the DHIS2 level name (National, District...). A parent must be in the file or
  imported before (the README's order: org units first).
- Our options are DHIS2's category option *combos*. The built-in default combo `bjDvmb4bfuf`
  and option combo `HllvX50cXC0` are our "default". DHIS2 categories and category options are
  not objects here: each option combo is also mapped by the set of its category options, which
  is how ADX files that explode categories (`sex="F" age="under5"`) name it. Attribute combos
  (`dataDimensionType: ATTRIBUTE`) are skipped: values are kept without an attribute dimension.
- Elements get readable codes (from the DHIS2 code, else the name) because our rule expressions
  name elements by code. Numeric value types are kept; BOOLEAN and TRUE_ONLY become integers
  1/0 and the DHIS2 value type stays in the element mapping's name, so export writes
  "true"/"false" again. Text, date and tracker elements are skipped.
- DHIS2 aggregation types without an exact counterpart (AVERAGE_SUM_ORG_UNIT, NONE...) take the
  end-of-period value, summed over units, and the report says so.
- A data set keeps its period type (monthly, quarterly, six-monthly, yearly; others are skipped)
  with calendar periods; its entry level is the level of the deepest unit it is assigned to. We
  keep no assignment table: the report lists the assigned units it found and notes the others.
- Validation rules never block saving in DHIS2, so they come in as warnings. A rule we cannot
  read (such as `Kejj3gJ2GD0`, whose right side lacks a `{`) is skipped with its reason and the
  rest of the file is imported: the rule is DHIS2's, and refusing the whole tree and catalog for
  it would leave the payload unusable. Structural faults (an org unit with an unknown parent, an
  element or option combo pointing at an unknown combo, a data set naming an unknown element)
  refuse the whole import.
- Other metadata (indicators, groups, legend sets, option sets...) is not imported; the report
  counts it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from django.db import transaction

from phongtrao.accounts.models import User
from phongtrao.accounts.permissions import Action, user_can
from phongtrao.core.audit import audit_record
from phongtrao.core.errors import AccessDenied, InvalidInput, RowError
from phongtrao.core.models import Source

from .base import _KINDS, _READ_KEYS
from .base import MSG_NOT_ALLOWED as MSG_NOT_ALLOWED
from .base import MSG_REFUSED as MSG_REFUSED
from .catalog import Catalog
from .combos import Combos
from .datasets import DataSets
from .elements import Elements
from .orgunits import OrgUnits
from .rules import Rules


class _Import(OrgUnits, Combos, Elements, DataSets, Rules, Catalog):
    """One metadata document turned into our objects, inside the caller's transaction."""

    def run(self) -> None:
        self.orgunits()
        # Refused items are left out of the document, so the rest is written (and reported)
        # even when the import is about to be refused and rolled back.
        self.catalog_write(self.catalog())
        for key, items in self.document.items():
            if key not in _READ_KEYS and isinstance(items, list) and items:
                self.notes[f"Không nhập {key} ({len(items)}): Phong Trào không có loại này"] += 1

    def report(self, dry_run: bool) -> dict[str, Any]:
        summary = {
            kind: dict(Counter(row.action for row in self.rows if row.kind == kind))
            for kind in _KINDS
        }
        return {
            "dry_run": dry_run,
            "summary": {kind: counts for kind, counts in summary.items() if counts},
            "rows": [row.as_dict() for row in self.rows],
            "notes": [f"{m} ({n} lần)" if n > 1 else m for m, n in self.notes.items()],
        }


def _load(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as error:
        raise InvalidInput(f"Không tìm thấy tệp «{path}».") from error
    except UnicodeDecodeError as error:
        raise InvalidInput(f"Tệp «{path.name}» không phải văn bản UTF-8.") from error
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"Tệp «{path.name}» không phải JSON hợp lệ: dòng {error.lineno}, cột {error.colno}."
        ) from error
    if not isinstance(document, dict):
        raise InvalidInput(f"Tệp «{path.name}» phải là một đối tượng JSON (metadata DHIS2).")
    return document


def metadata_import(*, user: User, path: Path | str, dry_run: bool = False) -> dict[str, Any]:
    """Import a DHIS2 metadata file (or report what it would do); administrators only."""
    path = Path(path)
    if not user_can(user, Action.ADMINISTER):
        raise AccessDenied(MSG_NOT_ALLOWED)
    return metadata_import_document(
        user=user, document=_load(path), dry_run=dry_run, label=path.name
    )


def metadata_import_document(
    *, user: User, document: dict[str, Any], dry_run: bool = False, label: str = ""
) -> dict[str, Any]:
    """Import a DHIS2 metadata document atomically; a dry run does it all and rolls back."""
    if not user_can(user, Action.ADMINISTER):
        raise AccessDenied(MSG_NOT_ALLOWED)
    with transaction.atomic():
        job = _Import(document)
        job.run()
        report = job.report(dry_run)
        refused = [row for row in job.rows if row.action == "refused"]
        if refused and not dry_run:
            raise InvalidInput(
                MSG_REFUSED,
                rows=[RowError(None, f"{r.kind} {r.uid}", r.reason) for r in refused],
            )
        audit_record(
            actor=user,
            action="import.dhis2_metadata",
            source=Source.IMPORT,
            target_type="file",
            target_id=label[:64],
            summary=f"Nhập danh mục DHIS2 {label}",
            after=report["summary"],
        )
        if dry_run:
            transaction.set_rollback(True)
    return report
