"""Text for a terminal (SPEC §15): hidden characters escaped, and Arabic shaped and put in visual order when the
terminal cannot do it itself (python-bidi and arabic-reshaper, the `terminal` extra), wrapped to its width.

Most terminals draw characters in the order they arrive, unjoined, so Arabic reads as separate letters left to
right.  `POLICYKIT_BIDI=on|off` overrides the guess; files and pipes always get the text in logical order."""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from typing import TextIO

from .report.cell_text import escape_hidden

_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
# terminals that shape and order right-to-left text themselves: mlterm, Konsole, Apple's Terminal, and VTE
# (GNOME Terminal and others) from 0.58, which does BiDi by default
_BIDI_TERMINALS = ("MLTERM", "KONSOLE_VERSION")


def _terminal_does_bidi(env) -> bool:
    if any(env.get(name) for name in _BIDI_TERMINALS) or env.get("TERM_PROGRAM") == "Apple_Terminal":
        return True
    vte = env.get("VTE_VERSION", "")
    return vte.isdigit() and int(vte) >= 5800


def needs_bidi(stream: TextIO, environ=None) -> bool:
    """Whether text written to `stream` must be shaped and reordered here."""
    env = os.environ if environ is None else environ
    choice = env.get("POLICYKIT_BIDI", "auto").strip().lower()
    if choice in ("on", "1", "yes"):
        return True
    if choice in ("off", "0", "no"):
        return False
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty and not _terminal_does_bidi(env)


def terminal_width(stream: TextIO) -> int:
    """The terminal's width in columns (COLUMNS, else the terminal's own, else 80)."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns or shutil.get_terminal_size().columns  # a pty may report 0 columns


def terminal_text(text: str, stream: TextIO, environ=None) -> str:
    """`text` (lines of prose) as it should be written to `stream`: escaped, and on a terminal that needs it
    shaped, wrapped to its width and put in visual order, each line read right to left."""
    text = escape_hidden(text)
    display = _display(text, stream, environ)
    if display is None:
        return text
    width = terminal_width(stream)
    out = []
    for line in text.split("\n"):
        pieces = textwrap.wrap(line, width) if len(line) > width else [line]
        out.extend(display(piece) if _ARABIC.search(piece) else piece for piece in pieces)
    return "\n".join(out)


def terminal_layout(text: str, stream: TextIO, environ=None) -> str:
    """Text already laid out in columns (a rich table, already neutralised): on a terminal that needs it, each
    Arabic run shaped and reversed in place, the columns left where they are (a left-to-right base)."""
    display = _display(text, stream, environ)
    if display is None:
        return text
    return "\n".join(display(line, "L") if _ARABIC.search(line) else line for line in text.split("\n"))


def _display(text: str, stream: TextIO, environ):
    """The shaping and reordering function, or None when `text` needs none on `stream`."""
    if not _ARABIC.search(text) or not needs_bidi(stream, environ):
        return None
    try:
        import arabic_reshaper
        from bidi.algorithm import get_display  # mirrors brackets (python-bidi's newer bidi.get_display does not)
    except ImportError:  # without the extra the text stays in logical order, as a file would hold it
        return None

    def display(line: str, base: str | None = None) -> str:
        shown = get_display(arabic_reshaper.reshape(_mark_latin(line)), base_dir=base) if base else \
            get_display(arabic_reshaper.reshape(_mark_latin(line)))
        return shown.replace(_LRM, "")

    return display


# a run of Latin text (a path, a file name, a rule id) among Arabic words: its leading or trailing '/', '.' or
# '_' took the Arabic direction and was drawn at the wrong end ('/tmp/v.parquet' showed as 'tmp/v.parquet/');
# a left-to-right mark at each end holds the run together; brackets and separators around it stay outside, to
# pair and flow with the Arabic
_NOT_LATIN = "\\s\u0600-\u06ff()«»\\[\\]،؛,;"
_LATIN_RUN = re.compile(f"(?<![^\\s(«\\[])([^{_NOT_LATIN}]*[A-Za-z][^{_NOT_LATIN}]*?)(?=[:.]*(?:[{_NOT_LATIN}]|$))")
_LRM = "\u200e"


def _mark_latin(line: str) -> str:
    """`line` with a left-to-right mark at each end of every run of Latin text (the text's own hidden characters
    were escaped before, so the marks the display step removes are only these)."""
    return _LATIN_RUN.sub(lambda m: f"{_LRM}{m.group(1)}{_LRM}", line)
