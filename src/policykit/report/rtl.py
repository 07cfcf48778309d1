"""Markdown in Arabic reads right to left: the page is wrapped in an RTL block, as docs/guide.ar.md is.

GitHub, GitLab and most Markdown viewers render raw `<div dir="rtl">` blocks and keep the Markdown inside them
(the blank lines around the content are what lets them)."""

from __future__ import annotations


def markdown_page(text: str, lang: str) -> str:
    """`text` (Markdown) as a page in `lang`: right to left for Arabic, unchanged otherwise."""
    if lang != "ar":
        return text
    return f'<div dir="rtl" lang="ar">\n\n{text.rstrip()}\n\n</div>\n'
