"""The review as PDF: the HTML rendering with the print stylesheet, through WeasyPrint."""

from __future__ import annotations

from .document import Document
from .html import review_html


def review_pdf(doc: Document, *, base_url: str | None = None) -> bytes:
    """Return the review as an A4 PDF."""
    # Imported here: WeasyPrint loads Pango when imported, which other renderings never need.
    from weasyprint import HTML

    html = review_html(doc, for_print=True)
    return HTML(string=html, base_url=base_url).write_pdf()
