"""Command-line jobs to bring data in and out (filled in by the ingest work)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    return None
