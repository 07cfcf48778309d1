"""The columns of the flat (CSV) verdict form, computed in Arrow: instants as `datetime.isoformat` text, each
rule's finding fields, `;`-joined lists, neutralised case ids and the to-do list as JSON."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..neutralise import csv_cell
from . import arrow_np
from .arrow_rows import to_pylist
from .zone_np import zone_columns

_SECOND = 1_000_000
# a case id printable ASCII and not starting like a formula is written as it is (csv_cell leaves it unchanged)
_PLAIN = r"^[ -~]*$"
_FORMULA = r"^[=+\-@\t\r]"


def case_ids(ids: pa.Array) -> pa.Array:
    """Case ids as CSV cells (SPEC §15): `csv_cell` of each, called only for those it would change."""
    ids = ids.cast(pa.string())
    plain = pc.and_(pc.match_substring_regex(ids, _PLAIN), pc.invert(pc.match_substring_regex(ids, _FORMULA)))
    odd = np.flatnonzero(~pc.fill_null(plain, True).to_numpy(zero_copy_only=False))
    if not len(odd):
        return ids
    values = ids.to_pylist()
    for row in odd.tolist():
        values[row] = csv_cell(values[row])
    return pa.array(values, pa.string())


def instants_text(column: pa.Array, tz: str) -> pa.Array:
    """Zoned timestamps as `datetime.isoformat` text in their zone (fraction only when there is one, the offset
    as the zone has it then: `+03:00`, `+03:06:52` before 1947); null stays null."""
    present = column.is_valid().to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(present)
    micros = column.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)[rows]
    text = iso_texts(micros, tz)
    where = np.full(len(column), -1, dtype=np.int64)
    where[rows] = np.arange(len(rows))
    return text.take(arrow_np.array(np.where(present, where, 0), pa.int64(), mask=~present))


def iso_texts(micros: np.ndarray, tz: str) -> pa.Array:
    """UTC instants (µs) as `datetime.isoformat` text in the zone `tz`, as `timeparse.iso` writes them."""
    local = zone_columns(tz).to_local(micros)
    offsets = local - micros
    fraction = local % _SECOND
    fractions = pc.if_else(arrow_np.array(fraction != 0, pa.bool_()),
                           pc.binary_join_element_wise(".", pc.utf8_lpad(arrow_np.array(fraction, pa.int64()).cast(
                               pa.string()), 6, "0"),
                                                       ""), "")
    distinct, index = np.unique(offsets, return_inverse=True)
    zone_text = pa.DictionaryArray.from_arrays(pa.array(index.astype(np.int32)),
                                               pa.array([_offset_text(int(o)) for o in distinct.tolist()], pa.string()))
    return pc.binary_join_element_wise(_wall_clock(local // _SECOND), fractions, zone_text.cast(pa.string()), "")


def prose_texts(iso: pa.Array) -> pa.Array:
    """`iso_texts` as explanations show instants (`findings_text.when`): `YYYY-MM-DD HH:MM`, with the seconds and
    their fraction when there is one."""
    fraction = pc.equal(pc.utf8_slice_codeunits(iso, 19, 20), ".")
    return pc.binary_join_element_wise(pc.utf8_slice_codeunits(iso, 0, 10), pc.if_else(
        fraction, pc.utf8_slice_codeunits(iso, 11, 26), pc.utf8_slice_codeunits(iso, 11, 16)), " ")


def _wall_clock(seconds: np.ndarray) -> pa.Array:
    """`YYYY-MM-DDTHH:MM:SS` of wall-clock seconds since 1970, as a string column built from digits in numpy
    (the civil date by Hinnant's days-to-date; 4-digit years, as the batch's instants have)."""
    days, second = np.divmod(seconds, 86_400)
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    out = np.empty((len(seconds), 19), dtype=np.uint8)
    out[:] = np.frombuffer(b"0000-00-00T00:00:00", dtype=np.uint8)
    for value, first, width in ((year, 0, 4), (month, 5, 2), (day, 8, 2), (second // 3600, 11, 2),
                                (second // 60 % 60, 14, 2), (second % 60, 17, 2)):
        for place in range(width):
            out[:, first + width - 1 - place] += (value // 10 ** place % 10).astype(np.uint8)
    offsets = np.arange(0, 19 * len(seconds) + 1, 19, dtype=np.int32)  # a partition's instants: well below 2 GB
    return pa.StringArray.from_buffers(len(seconds), pa.py_buffer(offsets), pa.py_buffer(out.tobytes()))


def _offset_text(offset_us: int) -> str:
    """A UTC offset as `datetime.isoformat` writes it."""
    return dt.datetime(2000, 1, 1, tzinfo=dt.timezone(dt.timedelta(microseconds=offset_us))).isoformat()[19:]


def joined(lists: pa.Array) -> pa.Array:
    """Each list's items joined with `;` (an empty or absent list: empty text)."""
    strings = lists.cast(pa.list_(pa.string()))
    return pc.fill_null(pc.binary_join(strings, ";"), "")


def rule_columns(findings: pa.Array, rule_ids: list[str], fields: tuple[str, ...], time_fields: tuple[str, ...],
                 tz: str) -> dict[str, pa.Array]:
    """`<rule>.<field>` columns: each case's finding of each rule (null where the case has none)."""
    cases = len(findings)
    values = findings.flatten()
    parents = pc.list_parent_indices(findings).to_numpy() if len(values) else np.zeros(0, np.int64)
    parts = dict(zip([f.name for f in values.type], values.flatten())) if len(values) else {}
    rules = parts["rule"].cast(pa.string()) if parts else pa.array([], pa.string())
    texts = {name: instants_text(parts[name], tz) if name in time_fields else parts[name].cast(
        pa.string()) if pa.types.is_dictionary(parts[name].type) else parts[name] for name in fields} if parts else {}
    out: dict[str, pa.Array] = {}
    for rule in rule_ids:
        mine = np.flatnonzero(pc.fill_null(pc.equal(rules, rule), False).to_numpy(zero_copy_only=False)) \
            if parts else np.zeros(0, np.int64)
        # each case's row among `mine` (one finding per rule and case): -1 for a case without one
        where = np.full(cases, -1, dtype=np.int64)
        where[parents[mine]] = np.arange(len(mine))
        taken = arrow_np.array(np.where(where >= 0, where, 0), pa.int64(), mask=where < 0)
        for name in fields:
            kind = pa.int64() if name == "late_by" else pa.string()
            out[f"{rule}.{name}"] = texts[name].take(arrow_np.indices(mine)).take(taken) if len(mine) else \
                pa.nulls(cases, kind)
    return out


def actions_text(actions: pa.Array, text) -> pa.Array:
    """Each case's to-do list as JSON (null when empty), as the row form wrote it; only cases with one are
    converted to Python."""
    lengths = pc.list_value_length(actions).fill_null(0).to_numpy(zero_copy_only=False)
    owing = np.flatnonzero(lengths > 0)
    out: list[str | None] = [None] * len(actions)
    for row, items in zip(owing.tolist(), to_pylist(actions.take(arrow_np.indices(owing)))):
        out[row] = json.dumps([{k: text(v) for k, v in item.items()} for item in items], ensure_ascii=False)
    return pa.array(out, pa.string())
