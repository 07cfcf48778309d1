"""How the service reads an uploaded export, as `batch` does with its options: `encoding`, `sheet`, `date_format`
and `column=NAME=HEADER` (repeatable) on POST /v1/batch and the page's upload; each checked before the job is
accepted, a problem located at its query parameter."""

from __future__ import annotations

from ..batch.log_options import LogOptions
from ..diagnostics import Diagnostic, PolicykitError


def checked(encoding: str | None, sheet: str | None, date_format: str | None, columns: list[str]) -> dict:
    """The options as a job's record keeps them (JSON), each refused with its parameter's path when it is bad."""
    from ..batch.column_map import build
    from ..batch.csv_dialect import codec

    found: dict = {}
    if encoding:
        found["encoding"] = _located("encoding", codec, encoding)
    if sheet:
        found["sheet"] = sheet
    if date_format:
        _located("date_format", lambda form: LogOptions(date_format=form), date_format)
        found["date_format"] = date_format
    if columns:
        _located("column", build, columns)
        found["columns"] = list(columns)
    return found


def log_options(record: dict | None) -> LogOptions:
    """The batch runner's options of a job's record (none: the defaults)."""
    if not record:
        return LogOptions()
    from ..batch.column_map import build

    columns = build(record["columns"]) if record.get("columns") else None
    return LogOptions(encoding=record.get("encoding"), sheet=record.get("sheet"),
                      date_format=record.get("date_format"), **({"columns": columns} if columns else {}))


def _located(parameter: str, check, value):
    """`check(value)`, its refusal told at the query parameter (the command line's option names left out)."""
    try:
        return check(value)
    except PolicykitError as exc:
        raise PolicykitError([Diagnostic("invalid-value" if d.code == "usage" else d.code, _api_words(d.message),
                                         path=(parameter,), hint=_api_words(d.hint) if d.hint else None)
                              for d in exc.diagnostics]) from None


# the command line's words for these options, and the query's
_WORDS = (("--encoding: ", ""), ("--date-format: ", ""), ("--column expects", "column expects"),
          ("--encoding ", "encoding="), ("--date-format ", "date_format="), ("--column ", "column="))


def _api_words(text: str) -> str:
    """A batch message or hint in the query's words (`encoding=cp1256`, not `--encoding cp1256`)."""
    for cli, query in _WORDS:
        text = text.replace(cli, query)
    return text
