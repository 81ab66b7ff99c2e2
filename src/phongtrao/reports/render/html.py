"""The review as HTML: a standalone document, or a fragment for a web page."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.template import Context, Engine

from .document import Document

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@cache
def _engine() -> Engine:
    # An engine of its own: the templates render whether or not the app is installed.
    return Engine(dirs=[str(TEMPLATES_DIR)], autoescape=True)


@cache
def review_css(*, for_print: bool = False) -> str:
    """Return the review's stylesheet; for_print adds the A4 page rules."""
    css = (TEMPLATES_DIR / "reports" / "review.css").read_text(encoding="utf-8")
    if for_print:
        css += "\n" + (TEMPLATES_DIR / "reports" / "print.css").read_text(encoding="utf-8")
    return css


def review_body_html(doc: Document) -> str:
    """Return the review as an <article> to place inside a page."""
    template = _engine().get_template("reports/_review_body.html")
    return template.render(Context({"doc": doc}))


def review_html(doc: Document, *, for_print: bool = False) -> str:
    """Return the review as a whole HTML document with its stylesheet inlined."""
    template = _engine().get_template("reports/review.html")
    return template.render(Context({"doc": doc, "css": review_css(for_print=for_print)}))
