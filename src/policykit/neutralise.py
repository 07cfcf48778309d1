"""Text made harmless where it is shown: a terminal, a CSV cell, a Markdown report (SPEC §15).

Case ids, column names and labels come from files someone else wrote.  Shown raw, a newline in a case id forges a
"Case status: compliant" line, an ANSI/OSC escape rewrites the terminal, a bidi override reverses what an officer
reads, `=HYPERLINK(…)` runs as a formula in a spreadsheet and `<script>` becomes markup.  Every renderer passes
such text through the one function for its target, here. HTML is autoescaped by Jinja, and each page then has its
invisible characters made visible as for a terminal; JSON keeps every value as it is, only written so that a
terminal it is printed on acts on none of it.
"""

from __future__ import annotations

import json
import re
from typing import Any

# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and CR, after trimming one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN = str.maketrans({"\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]",
                           "|": "\\|", "~": "\\~", "!": "\\!", "#": "\\#", "<": "&lt;", ">": "&gt;", "&": "&amp;"})
# Markers that mean something only at the start of a line: a list item, a quote, a heading underline.
_BLOCK_START = "-+=>"
_ORDERED_ITEM = re.compile(r"^\d+(?=[.)])")


def terminal(text: object) -> str:
    """`text` on one line with every control, line-separator and bidi-control character shown escaped.

    `\\n` stays two visible characters, ESC shows as `\\x1b`, RIGHT-TO-LEFT OVERRIDE as `\\u202e`; Arabic letters
    and every other printable character are untouched.
    """
    text = str(text)
    if text.isprintable():  # the usual case, checked in C
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def csv_cell(value: object) -> object:
    """A CSV cell: text escaped as for a terminal, and prefixed with `'` when a spreadsheet would run it."""
    if not isinstance(value, str):
        return value
    safe = terminal(value)
    return "'" + safe if value.startswith(FORMULA_STARTS) else safe


def markdown(text: object) -> str:
    """Text for a Markdown paragraph or table cell: escaped as for a terminal, no markup and no raw HTML."""
    safe = terminal(text).translate(_MARKDOWN)
    if safe and safe[0] in _BLOCK_START:
        return "\\" + safe
    number = _ORDERED_ITEM.match(safe)
    return f"{number.group()}\\{safe[number.end():]}" if number else safe


def json_document(data: Any) -> str:
    """Indented UTF-8 JSON (and a final newline) in which no character is one a terminal would act on.

    `json.dumps` escapes C0 controls but writes DEL, C1 controls, line separators and bidi overrides raw; they
    are written as `\\u` escapes here, so a parser reads the same values and a terminal shows them harmlessly.
    """
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if text.replace("\n", "").isprintable():  # the usual case, checked in C
        return text + "\n"
    return "".join(ch if ch.isprintable() or ch == "\n" else json.dumps(ch)[1:-1] for ch in text) + "\n"


_LAYOUT = str.maketrans("", "", "\n\t\r")


def html_page(page: str) -> str:
    """A rendered page whose text can neither act on a terminal it is printed on nor reorder what a browser shows.

    Every character that is not printable, line breaks and tabs aside, is written as `terminal` shows it (`\\x1b`,
    `\\u202e`): the templates hold none, so only text from input files changes, into visible, inert escapes.
    """
    if page.translate(_LAYOUT).isprintable():  # the usual case, checked in C
        return page
    return "".join(ch if ch.isprintable() or ch in "\n\t\r" else terminal(ch) for ch in page)
