"""Renderings of a review: HTML, PDF, DOCX, XLSX and JSON from one `Review`."""

from __future__ import annotations

import json

from phongtrao.core.errors import InvalidInput

from ..builders import Review, review_json
from ..drilldown import Linker, no_links

FORMATS = ("docx", "pdf", "xlsx", "html", "json")
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
}
MSG_FORMAT = "Định dạng «{fmt}» không được hỗ trợ; hãy chọn một trong: docx, pdf, xlsx, html, json."


def format_check(fmt: str) -> str:
    """Return the format in lower case, or raise InvalidInput naming the ones available."""
    cleaned = (fmt or "").strip().lower().lstrip(".")
    if cleaned not in FORMATS:
        raise InvalidInput(MSG_FORMAT.format(fmt=fmt))
    return cleaned


def review_render(review: Review, fmt: str, *, link: Linker = no_links) -> bytes:
    """Return the review in one format; link gives each figure's drill-down URL (HTML, PDF)."""
    fmt = format_check(fmt)
    if fmt == "json":
        text = json.dumps(review_json(review), ensure_ascii=False, indent=2)
        return (text + "\n").encode("utf-8")
    if fmt == "xlsx":
        from .xlsx import review_xlsx

        return review_xlsx(review)
    from .document import document_build

    doc = document_build(review, link=link)
    if fmt == "docx":
        from .docx import review_docx

        return review_docx(doc)
    if fmt == "pdf":
        from .pdf import review_pdf

        return review_pdf(doc)
    from .html import review_html

    return review_html(doc).encode("utf-8")
