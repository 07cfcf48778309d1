"""Stream an XES event log (IEEE 1849): trace `concept:name` is the case id, event `concept:name` the type."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator
from xml.parsers import expat

import pyarrow as pa

from ..diagnostics import PolicykitError, Span
from .columns import AT, CASE_ID, LINE, TYPE, keys_of
from .csvlines import MAX_LINE_BYTES
from ..values import number_text

ATTRIBUTE_TAGS = frozenset({"string", "date", "int", "float", "boolean", "id"})
RENAMES = {"concept:name": TYPE, "time:timestamp": AT}


class _XesState:
    """What the parser has seen of the current trace and event."""

    def __init__(self, reject: Callable[[int, str], None]) -> None:
        self.reject = reject
        self.depth_in_attribute = 0
        self.skipping = 0  # depth inside a misplaced trace or event, which is rejected rather than read
        self.skip_reason, self.skip_line, self.skipped_events = "", 0, 0
        self.trace_attrs: dict[str, str] | None = None
        self.trace_line = 0
        self.trace_events: list[tuple[int, dict[str, str]]] = []
        self.event: dict[str, str] | None = None
        self.event_line = 0
        self.rows: list[dict[str, str]] = []
        self.lines: list[int] = []

    def start(self, tag: str, attrs: dict[str, str], line: int) -> None:
        local = tag.rsplit(":", 1)[-1] if tag.startswith("xes:") else tag
        if self.depth_in_attribute:
            self.depth_in_attribute += 1
            return
        if self.skipping:  # inside a misplaced trace or event: each event in it is rejected, nothing is read
            self.skipping += 1
            if local == "event":
                self.reject(line, self.skip_reason)
                self.skipped_events += 1
            return
        if local == "trace":
            if self.trace_attrs is not None:
                self._skip(line, "event of a trace nested inside another trace", trace=True)
            else:
                self.trace_attrs, self.trace_line, self.trace_events = {}, line, []
        elif local == "event":
            if self.trace_attrs is None:
                self._skip(line, "event outside a trace (it has no case id)")
            elif self.event is not None:
                self._skip(line, "event nested inside another event")
            else:
                self.event, self.event_line = {}, line
        elif local in ATTRIBUTE_TAGS or local in ("list", "container"):
            self.depth_in_attribute = 1
            key, value = attrs.get("key"), attrs.get("value")
            if key is None or value is None or local in ("list", "container"):
                return
            target = self.event if self.event is not None else self.trace_attrs
            if target is not None:
                target[key] = value.lower() if local == "boolean" else _float_text(value) if local == "float" else value

    def _skip(self, line: int, reason: str, trace: bool = False) -> None:
        """Skip the misplaced element starting at `line`: a trace's events are rejected one by one, an event
        at once; a misplaced trace without events is rejected at its own line."""
        self.skipping, self.skip_reason, self.skipped_events = 1, reason, 0
        self.skip_line = line if trace else 0
        if not trace:
            self.reject(line, reason)

    def end(self, tag: str) -> None:
        local = tag.rsplit(":", 1)[-1] if tag.startswith("xes:") else tag
        if self.depth_in_attribute:
            self.depth_in_attribute -= 1
            return
        if self.skipping:
            self.skipping -= 1
            if not self.skipping and self.skip_line and not self.skipped_events:
                self.reject(self.skip_line, "trace nested inside another trace")
            return
        if local == "event" and self.event is not None:
            self.trace_events.append((self.event_line, self.event))
            self.event = None
        elif local == "trace" and self.trace_attrs is not None:
            self._flush_trace()

    def _flush_trace(self) -> None:
        attrs = self.trace_attrs or {}
        case_id = attrs.get("concept:name")
        shared = {k: v for k, v in attrs.items() if k != "concept:name"}
        if case_id is None:  # every event is rejected at its own line; a trace without events at the trace's
            for line, _ in self.trace_events or [(self.trace_line, None)]:
                self.reject(line, "trace without concept:name (the case id)")
            self.trace_attrs, self.trace_events = None, []
            return
        for line, event in self.trace_events:
            row = dict(shared)
            for key, value in event.items():
                row[RENAMES.get(key, key)] = value
            row[CASE_ID] = case_id
            self.rows.append(row)
            self.lines.append(line)
        self.trace_attrs, self.trace_events = None, []


def read_xes(path: Path, reject: Callable[[int, str], None], batch_rows: int,
             columns: set[str] | None = None) -> Iterator[pa.RecordBatch]:
    """Record batches of one row per XES event, with the trace's attributes repeated on each row; an attribute
    outside `columns` (when given) is a column of nulls (named, holding nothing: see readers.read_log)."""
    state = _XesState(reject)
    parser = expat.ParserCreate()
    parser.StartElementHandler = lambda tag, attrs: state.start(tag, attrs, parser.CurrentLineNumber)
    parser.EndElementHandler = state.end
    since_tag = 0  # bytes read since the last '<': an element (or text) that long is held whole by the parser
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(1 << 20)
            start = chunk.rfind(b"<")
            since_tag = since_tag + len(chunk) if start < 0 else len(chunk) - start
            if since_tag > MAX_LINE_BYTES:
                # a 200 MB attribute value took the parser 44 s and 0.8 GB; one of gigabytes, all the memory
                raise PolicykitError.single("invalid-log", f"an XES element longer than {MAX_LINE_BYTES >> 20} MiB "
                                            "(no event has a value this long); not read further",
                                            Span(str(path), parser.CurrentLineNumber))
            try:
                parser.Parse(chunk, not chunk)
            except expat.ExpatError as exc:
                raise PolicykitError.single("invalid-log", f"malformed XES: {expat.ErrorString(exc.code)}",
                                            Span(str(path), exc.lineno, exc.offset + 1)) from None
            except (LookupError, ValueError):  # an encoding unknown to Python, or one expat cannot read (UTF-7)
                raise PolicykitError.single("invalid-log", "malformed XES: unknown or unusable encoding",
                                            Span(str(path), parser.CurrentLineNumber)) from None
            if len(state.rows) >= batch_rows or (not chunk and state.rows):
                yield _batch(state.rows, state.lines, columns)
                state.rows, state.lines = [], []
            if not chunk:
                return


def _batch(rows: list[dict[str, str]], lines: list[int], columns: set[str] | None) -> pa.RecordBatch:
    names = keys_of(rows)
    arrays = [pa.array(lines, pa.int64())] + [
        pa.array([row.get(n) for row in rows], pa.string()) if columns is None or n in columns
        else pa.nulls(len(rows)) for n in names]
    return pa.RecordBatch.from_arrays(arrays, names=[LINE, *names])


def _float_text(value: str) -> str:
    """An XES float as every reader writes a number (values.number_text): `<float key="concept:name"
    value="42.0"/>` is the case 42, as 42.0 is in JSONL, Parquet or Excel; text that is no number as written."""
    try:
        number = float(value)
    except ValueError:
        return value
    return number_text(number) if number.is_integer() else value
