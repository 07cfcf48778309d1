"""Text for a terminal summary: control and bidi-override characters escaped, line breaks and tabs kept.

A spreadsheet cell's rule is `policykit.neutralise.csv_cell` (the officer's exports use it)."""

from __future__ import annotations

import re

# C0/C1 controls (tab and newline kept: a terminal summary has several lines) and the bidi embeddings,
# overrides and isolates that can make text read differently from what it holds
_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escape_hidden(text: str) -> str:
    """`text` with control and bidi-override characters written as escapes (`\\u202e`), newlines and tabs kept."""
    return _HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

