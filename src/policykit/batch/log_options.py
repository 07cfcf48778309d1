"""How to read an export as it arrives (SPEC §12): its encoding, sheet, column headers and date form."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..diagnostics import PolicykitError
from ..timeparse import date_format_problem
from .column_map import ColumnMap


@dataclass(frozen=True)
class LogOptions:
    """`--encoding`, `--sheet`, `--column`/`--columns` and `--date-format` of a batch run (all optional)."""

    encoding: str | None = None
    sheet: str | None = None
    columns: ColumnMap = field(default_factory=ColumnMap)
    date_format: str | None = None

    def __post_init__(self) -> None:
        problem = date_format_problem(self.date_format) if self.date_format is not None else None
        if problem:  # every row would otherwise be refused as undated, or read as 1900-01-01
            raise PolicykitError.single("usage", f"--date-format: {problem}",
                                        hint="e.g. --date-format '%d/%m/%Y %H:%M' (strptime directives)")
