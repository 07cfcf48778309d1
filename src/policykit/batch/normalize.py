"""Turn a raw log batch into checked columns (case_id, type, at_us, attributes, facts); bad rows are rejected."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..case import Vocabulary
from ..diagnostics import did_you_mean, shown
from ..vocabulary import CHANNEL_ATTRIBUTES, EVENT_ATTRIBUTES, EVENTS
from ..values import parse_fact
from .columns import AT, CASE_ID, LINE, TYPE, LogColumns
from .id_texts import id_texts
from .timestamps import to_utc_micros
from . import arrow_np

AT_US = "at_us"
TYPES = pa.dictionary(pa.int32(), pa.string())
REJECTED = "rejected"
# the instant of a rejected row kept for its case (SPEC §10): after every event, so never seen as of any as_of
NOT_AN_EVENT = np.iinfo(np.int64).max
Reject = tuple[int, str]


@dataclass(frozen=True)
class LogShape:
    """What a batch needs to check rows: the log's columns and the policy's vocabulary."""

    columns: LogColumns
    vocab: Vocabulary
    date_format: str | None = None  # a declared strptime form for `at` (SPEC §12), tried after ISO 8601

    def stored_schema(self) -> pa.Schema:
        """The schema of normalised rows in a partition file (the type and attributes as text: each batch's own
        dictionary would not carry over)."""
        return pa.schema([pa.field(f.name, pa.string()) if f.type == TYPES else f for f in self.schema()])

    def schema(self) -> pa.Schema:
        """The schema of normalised batches (the type and attributes dictionary-encoded: judged by their codes)."""
        fields = [pa.field(LINE, pa.int64()), pa.field(CASE_ID, pa.string()), pa.field(TYPE, TYPES),
                  pa.field(AT_US, pa.int64()), pa.field(REJECTED, pa.bool_())]
        fields += [pa.field(a, TYPES) for a in self.columns.attributes]
        fields += [pa.field(f, pa.bool_()) for f in self.columns.facts]
        return pa.schema(fields)


def _string(batch: pa.RecordBatch, name: str) -> pa.Array:
    if name not in batch.schema.names:
        return pa.nulls(batch.num_rows, pa.string())
    column = batch.column(name)
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not pa.types.is_string(column.type):
        column = column.cast(pa.string())
    return column


def normalise(batch: pa.RecordBatch, shape: LogShape) -> tuple[pa.RecordBatch, list[Reject]]:
    """The rows of `batch` in the normalised schema, and (line, reason) for each rejected row.

    A rejected row whose case id is readable stays, as a placeholder (`rejected` true, no type, attributes or facts,
    instant NOT_AN_EVENT), so that its case is listed as incomplete (SPEC §10); one without a case id is dropped."""
    n = batch.num_rows
    lines = batch.column(LINE).to_numpy()
    reasons: dict[int, str] = {}

    def reject(rows: np.ndarray, reason) -> None:
        for row in rows.tolist():
            reasons.setdefault(row, reason(row) if callable(reason) else reason)

    # a number as every reader writes one (123456789012.0 is the case 123456789012), trimmed
    case_id = id_texts(batch.column(CASE_ID)) if CASE_ID in batch.schema.names else _string(batch, CASE_ID)
    if CASE_ID in batch.schema.names and pa.types.is_boolean(batch.column(CASE_ID).type):
        # true is no case id: a JSONL row, a case file and a posted event refuse it; so does a Parquet column
        reject(np.nonzero(case_id.is_valid().to_numpy(zero_copy_only=False))[0], "case_id is true or false, not an id")
        case_id = pa.nulls(n, pa.string())
    missing = pc.fill_null(pc.equal(case_id, ""), True).to_numpy(zero_copy_only=False)
    reject(np.nonzero(missing)[0], "missing case_id")
    kind, kind_in, kind_codes, kind_names = _types(batch)
    known = kind_in(shape.vocab.events)
    kind_np = _Lazy(kind)
    suggest = _Suggestions(shape.vocab.events)
    reject(np.nonzero(~known)[0], lambda r: "missing type" if kind_np[r] in (None, "") else
           f"unknown event type {shown(kind_np[r])}" + suggest(kind_np[r]))
    at_us, at_ok, at_problems = to_utc_micros(
        batch.column(AT) if AT in batch.schema.names else pa.nulls(n, pa.string()), shape.vocab.timezone,
        shape.date_format)
    for row, reason in at_problems:
        reasons.setdefault(row, reason)
    attributes = [_attribute(batch, name, kind_in, kind_np, shape, reject) for name in shape.columns.attributes]
    facts = [_fact(batch, name, reject) for name in shape.columns.facts]
    rejected = np.zeros(n, dtype=bool)
    if reasons:
        rejected[list(reasons)] = True
    rejects = [(int(lines[row]), reason) for row, reason in sorted(reasons.items())]
    flags = arrow_np.array(rejected, pa.bool_())
    if rejected.any():
        at_us = np.where(rejected, NOT_AN_EVENT, at_us)
        kind = _blanked(kind_codes, kind_names, rejected)
        attributes = [pc.if_else(flags, pa.scalar(None, a.type), a) for a in attributes]
        facts = [pc.if_else(flags, pa.scalar(None, f.type), f) for f in facts]
    arrays = [batch.column(LINE), case_id, kind, pa.array(at_us, pa.int64()), flags, *attributes, *facts]
    out = pa.RecordBatch.from_arrays(arrays, schema=shape.schema())
    unattributed = rejected & missing
    return (out if not unattributed.any() else out.filter(arrow_np.array(~unattributed, pa.bool_()))), rejects


class _Suggestions:
    """'; did you mean ...' for a mistyped id (`Phone`, `Request Received`), worked out once per distinct value."""

    def __init__(self, choices) -> None:
        self.choices = sorted(choices)
        self.known: dict[str, str] = {}

    def __call__(self, value: object) -> str:
        text = "" if value is None else str(value)
        if text not in self.known:
            key = "_".join(text.strip().lower().replace("-", " ").split())
            hint = f"did you mean '{key}'?" if key in self.choices else did_you_mean(key, self.choices)
            self.known[text] = f"; {hint}" if hint else ""
        return self.known[text]


class _Lazy:
    """Python values of an Arrow column, converted only when a message needs one."""

    def __init__(self, column: pa.Array) -> None:
        self.column = column

    def __getitem__(self, row: int):
        return self.column[row].as_py()


def _types(batch: pa.RecordBatch):
    """The trimmed `type` column, dictionary-encoded (the column as Parquet stores it, else encoded here; values
    equal once trimmed share one code), its codes (-1 where absent) and a test of it against a set of types
    (False where absent) that looks at each distinct type once."""
    column = batch.column(TYPE) if TYPE in batch.schema.names else pa.nulls(batch.num_rows, pa.string())
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(_string(batch, TYPE))
    trimmed = pc.utf8_trim_whitespace(_string(pa.RecordBatch.from_arrays([column.dictionary], [TYPE]), TYPE))
    unique = pc.dictionary_encode(trimmed)
    remap = np.r_[unique.indices.cast(pa.int64()).fill_null(-1).to_numpy(zero_copy_only=False), -1]
    codes = remap[column.indices.cast(pa.int64()).fill_null(-1).to_numpy(zero_copy_only=False)]  # -1: absent
    names = unique.dictionary.to_pylist()
    kind = _coded(codes, unique.dictionary)

    def kind_in(types) -> np.ndarray:
        wanted = set(types)
        return np.array([v in wanted for v in names] + [False], dtype=bool)[codes]  # code -1 (absent): False

    return kind, kind_in, codes, names


def _coded(codes: np.ndarray, labels: pa.Array) -> pa.DictionaryArray:
    """The type column from codes into `labels` (-1: null)."""
    return pa.DictionaryArray.from_arrays(arrow_np.array(codes, pa.int32(), mask=codes < 0), labels)


def _blanked(codes: np.ndarray, names: list, rows: np.ndarray) -> pa.DictionaryArray:
    """The type column with `rows` (rejected placeholders) given the empty type."""
    if "" not in names:
        names = [*names, ""]
    codes = np.where(rows, names.index(""), codes)
    return _coded(codes, pa.array(names, pa.string()))


def _attribute(batch: pa.RecordBatch, name: str, kind_in, kind_np: _Lazy, shape: LogShape,
               reject) -> pa.DictionaryArray:
    """An attribute column trimmed (empty: absent) and checked, dictionary-encoded: each distinct value is
    trimmed and checked once, and the rule queries compare its codes."""
    column = batch.column(name) if name in batch.schema.names else pa.nulls(batch.num_rows, pa.string())
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(_string(batch, name))
    given = _string(pa.RecordBatch.from_arrays([column.dictionary], [name]), name)
    trimmed = pc.utf8_trim_whitespace(given)
    trimmed = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    unique = pc.dictionary_encode(pc.drop_null(trimmed))
    # each given value's code among the distinct trimmed ones (-1: absent), then each row's
    remap = np.full(len(given) + 1, -1, dtype=np.int32)
    valid = pc.is_valid(trimmed).to_numpy(zero_copy_only=False)
    remap[:-1][valid] = unique.indices.to_numpy()
    codes = remap[column.indices.cast(pa.int64()).fill_null(-1).to_numpy(zero_copy_only=False)]
    labels = unique.dictionary
    values = pa.DictionaryArray.from_arrays(arrow_np.array(codes, pa.int32(), mask=codes < 0), labels)
    present = codes >= 0
    if not present.any():
        return values
    allowed_types = [t for t, attrs in EVENT_ATTRIBUTES.items() if name in attrs]
    if name == "channel":
        allowed_types += [e for e in shape.vocab.events if e not in EVENTS]
    allowed = kind_in(allowed_types)
    reject(np.nonzero(present & ~allowed)[0], lambda r: f"event {shown(kind_np[r])} has no attribute {shown(name)}")
    if name in CHANNEL_ATTRIBUTES:
        choices = sorted(shape.vocab.channels)
        what = "channel"
    else:
        choices = [v for attrs in EVENT_ATTRIBUTES.values() for k, c in attrs.items() if k == name and c
                   for v in c]
        what = name
    if choices:
        ok = np.r_[pc.is_in(labels, pa.array(choices, pa.string())).to_numpy(zero_copy_only=False), True]
        bad = np.nonzero(~ok[codes])[0]  # code -1 (absent) takes the last: never bad
        if len(bad):
            # the value is not echoed: a mistyped cell may hold personal data (a phone number, a name);
            # a suggestion names only one of the policy's own ids
            suggest, shown_values = _Suggestions(choices), _Lazy(values)
            reject(bad, lambda r: f"unknown {what} in column '{name}'" + suggest(shown_values[r]))
    return values


def _fact(batch: pa.RecordBatch, name: str, reject) -> pa.Array:
    if name not in batch.schema.names:
        return pa.nulls(batch.num_rows, pa.bool_())
    column = batch.column(name)
    if pa.types.is_boolean(column.type):
        return column
    raw = _string(batch, name).to_pylist()
    parsed: list[bool | None] = []
    bad = []
    for row, value in enumerate(raw):
        try:
            parsed.append(parse_fact(value))
        except ValueError:
            parsed.append(None)
            bad.append(row)
    if bad:
        reject(np.array(bad), f"fact '{name}' is not true/false")
    return pa.array(parsed, pa.bool_())
