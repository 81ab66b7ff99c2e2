"""Readers: turn an uploaded file into something the ingest services understand."""

from .text import MSG_UNREADABLE, MSG_UNSUPPORTED, read_text

__all__ = ["MSG_UNREADABLE", "MSG_UNSUPPORTED", "read_text"]
