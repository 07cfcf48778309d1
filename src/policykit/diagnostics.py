"""Source locations, diagnostics and the single error type policykit raises for bad input."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .neutralise import terminal

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based position in a file."""

    file: str
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.col is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in an input, with a stable code and a location."""

    code: str
    message: str
    span: Span | None = None
    path: Path = ()
    hint: str | None = None
    severity: str = "error"

    def render(self) -> str:
        """The one-line form `file:line:col: code: message (at path) hint`."""
        where = f"{self.span}: " if self.span else ""
        at = f" (at {_clip(format_path(self.path), 120)})" if self.path else ""
        hint = f"; {_clip(_one_line(self.hint), 200)}" if self.hint else ""
        # control characters from keys or file names shown escaped: one line stays one line
        return terminal(f"{where}{self.code}: {_clip(_one_line(self.message), 400)}{at}{hint}")

    def sort_key(self) -> tuple:
        """Order diagnostics by position, as OPA does."""
        s = self.span
        return (s.file if s else "", s.line or 0 if s else 0, s.col or 0 if s else 0, self.code)


@dataclass(eq=False)
class PolicykitError(Exception):
    """The one error type policykit raises for invalid input; holds every diagnostic found."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.diagnostics = sorted(self.diagnostics, key=Diagnostic.sort_key)
        super().__init__(self.render())

    @classmethod
    def single(cls, code: str, message: str, span: Span | None = None, path: Path = (),
               hint: str | None = None) -> "PolicykitError":
        """An error holding one diagnostic."""
        return cls([Diagnostic(code, message, span, path, hint)])

    @property
    def first(self) -> Diagnostic:
        """The diagnostic to show when only one line fits."""
        return self.diagnostics[0]

    def render(self) -> str:
        """Every diagnostic, one per line."""
        return "\n".join(d.render() for d in self.diagnostics)

    def __str__(self) -> str:
        return self.render()

    def __reduce__(self):
        # raised in a batch worker, it crosses back to the parent by pickle (by default, from its message alone)
        return (type(self), (self.diagnostics,))


KEY_NOT_SHOWN = "(key not shown)"


def format_path(path: Sequence[str | int]) -> str:
    """`rules[2].trigger` style rendering of a data path; a key that is not an id is withheld like a value.

    A name typed as a fact key or an event attribute is personal data too, and a key may be a line of a file that
    is no policy at all: its position (the span) says where."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part) if key_shown(part) else KEY_NOT_SHOWN
            out += f".{text}" if out else text
    return out


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A 'did you mean' hint for a misspelt identifier, or None."""
    import difflib  # only when there is a mistake to suggest a fix for

    match = difflib.get_close_matches(str(word), sorted(set(choices)), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None


_ID_LIKE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_DATE_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([T ][0-9:.]{1,15})?(Z|[+-]\d{2}(:?\d{2})?)?(\s*(H|h|هـ|ه))?$")


# Column names of a batch log are listed in its summary only when they are plain identifiers (`org:resource`,
# `Case_ID`, `cost.total`): a name with spaces, non-ASCII letters or leading digits may be data typed as a key.
_PLAIN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_:.\-]{0,63}$")


def plain_name(name: object) -> bool:
    """Whether a key or column name is an identifier that can be echoed (else it may be personal data)."""
    return isinstance(name, str) and bool(_PLAIN_NAME.match(name))


def shown(value: object, what: str = "value") -> str:
    """A user-supplied value (or key: `what="key"`) quoted for a message only when it looks like an id or a date.

    Anything else may be personal data (a name or a phone number typed in the wrong field, or as a key) and is
    withheld; the diagnostic's line and column say where it is.
    """
    text = str(value)
    if isinstance(value, (str, int)) and not isinstance(value, bool) and (
            _ID_LIKE.match(text) or _DATE_LIKE.match(text)):
        return f"'{text}'"
    return f"({what} not shown: it is not an id and may be personal)"


def key_shown(key: object) -> bool:
    """Whether a key may be named in a message or a data path: only when it looks like an id, as `shown` decides
    for values (a key may be a line of a file that is no policy, or a name typed where a key belongs)."""
    return isinstance(key, str) and bool(_ID_LIKE.match(key))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _clip(text: str, limit: int) -> str:
    """Keep a rendered line readable whatever the input held (huge keys, deep paths)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
