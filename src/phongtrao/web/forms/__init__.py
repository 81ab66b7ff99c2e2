"""The web forms, one module per area; the names are re-exported so one import path serves."""

from .dataentry import Cell, EntryGrid, Row
from .fields import OrgUnitField, UnitInput, ViNumberField, unit_label
from .registries import BridgePointForm, EvaluationForm, FilterForm, RecordForm

__all__ = [
    "BridgePointForm",
    "Cell",
    "EntryGrid",
    "EvaluationForm",
    "FilterForm",
    "OrgUnitField",
    "RecordForm",
    "Row",
    "UnitInput",
    "ViNumberField",
    "unit_label",
]
