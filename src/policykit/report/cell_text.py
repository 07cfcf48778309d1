"""Text made safe for a spreadsheet cell (SPEC §15): no formula, no hidden control or bidi-override character.

The rule is the one `policykit.neutralise` applies to CSV cells; this copy keeps the officer's exports
self-contained until both are merged into one function."""

from __future__ import annotations

import re

# C0/C1 controls (tab and newline kept: a required-actions cell has several lines) and the bidi embeddings,
# overrides and isolates that can make a cell read differently from what it holds
_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_hidden(text: str) -> str:
    """`text` with control and bidi-override characters written as escapes (`\\u202e`), newlines and tabs kept."""
    return _HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def csv_cell(value: str) -> str:
    """`value` with hidden characters escaped and a leading `'` when a spreadsheet would run it as a formula."""
    text = escape_hidden(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
