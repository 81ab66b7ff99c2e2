"""Writes to aggregate values: entry, and the submit/approve workflow."""

from .approval import (
    dataset_approve,
    dataset_submit,
    dataset_unapprove,
    dataset_withdraw,
)
from .entry import Entry, SaveResult, datavalue_set, datavalues_save

__all__ = [
    "Entry",
    "SaveResult",
    "datavalue_set",
    "datavalues_save",
    "dataset_approve",
    "dataset_submit",
    "dataset_unapprove",
    "dataset_withdraw",
]
