"""How to read an export as it arrives (SPEC §12): its encoding, sheet, column headers and date form."""

from __future__ import annotations

from dataclasses import dataclass, field

from .column_map import ColumnMap


@dataclass(frozen=True)
class LogOptions:
    """`--encoding`, `--sheet`, `--column`/`--columns` and `--date-format` of a batch run (all optional)."""

    encoding: str | None = None
    sheet: str | None = None
    columns: ColumnMap = field(default_factory=ColumnMap)
    date_format: str | None = None
