"""Text made safe for a spreadsheet cell (SPEC §15): no formula, no hidden control or bidi-override character.

The rule is the one `policykit.neutralise.csv_cell` applies (branch `inputs`): every non-printable character
escaped, and a `'` before text a spreadsheet would run. This copy keeps the officer's exports self-contained
until the two are merged into that one function; `escape_hidden` is the terminal form that keeps line breaks."""

from __future__ import annotations

import re

# C0/C1 controls (tab and newline kept: a terminal summary has several lines) and the bidi embeddings,
# overrides and isolates that can make text read differently from what it holds
_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_hidden(text: str) -> str:
    """`text` with control and bidi-override characters written as escapes (`\\u202e`), newlines and tabs kept."""
    return _HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def csv_cell(value: str) -> str:
    """`value` with every non-printable character escaped and a leading `'` when a spreadsheet would run it."""
    text = value if value.isprintable() else "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in value)
    return "'" + text if value.startswith(_FORMULA_START) else text
