"""A post_many's events read as columns at once, when every one is of the common form: (case id, event) pairs (or
triples without facts), events that are dicts of a known shape, instants in ISO 8601; None for any other post,
which the session then reads one event at a time (and which says what is wrong with it)."""

from __future__ import annotations

import datetime as dt
from itertools import repeat
from operator import attrgetter

import numpy as np
import pyarrow as pa

from ..batch.timestamps import plain_micros
from ..values import id_text
from .intake import content_id, posted_id, storable

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_US = dt.timedelta(microseconds=1)
_code = attrgetter("code")


class ReadPost:
    """The columns of a post: per event its case id, instant (UTC µs) and shape code; the events posted with an
    id other than their content id, as (position, id)."""

    __slots__ = ("case_ids", "ats", "codes", "max_code", "named")

    def __init__(self, case_ids: list[str], ats: np.ndarray, codes: np.ndarray, max_code: int,
                 named: list[tuple[int, str]]) -> None:
        self.case_ids, self.ats, self.codes, self.max_code, self.named = case_ids, ats, codes, max_code, named


def read_post(items: list, intake, bare: dict, code_of, timezone: str) -> ReadPost | None:
    """The post as columns, or None when any item is not of the common form or any event is bad (nothing is
    raised here: reading the post one event at a time raises the first error, in order).  `bare`: the shape of
    an event holding a type and an instant only, by type (filled here too); `code_of`: gives a shape its code."""
    if not items:
        return None
    try:
        return _read(items, intake, bare, code_of, timezone)
    except Exception:  # whatever it is, the one-by-one reading meets it at its event and says so
        return None


def _read(items: list, intake, bare: dict, code_of, timezone: str) -> ReadPost | None:
    sizes = set(map(len, items))
    if sizes == {2}:
        case_ids, events = zip(*items)
    elif sizes == {3}:
        case_ids, events, facts = zip(*items)
        if any(facts):
            return None  # facts are checked and recorded one item at a time
    else:
        return None
    id_types = set(map(type, case_ids))
    if id_types != {str}:
        if not id_types <= {str, int}:  # bool is not int here: type() is exact
            return None  # read one by one, which says what is wrong (live.intake.case_key)
        case_ids = [case_id if type(case_id) is str else str(case_id) for case_id in case_ids]
    case_ids = list(map(id_text, case_ids))  # keyed as live.intake.case_key keys them
    if not all(case_ids) or not storable("".join(case_ids)):
        return None
    if set(map(type, events)) != {dict}:
        return None
    count = len(events)
    kinds = list(map(dict.get, events, repeat("type")))
    texts = list(map(dict.get, events, repeat("at")))
    lengths = list(map(len, events))
    known = intake._shapes
    if min(lengths) == max(lengths) == 2:
        shapes = list(map(bare.get, kinds))
    else:
        # the type and instant first, then attributes, as most posts give them (as LiveSession._take_each)
        shapes = [bare.get(kind) if length == 2 else known.get((kind, tuple(event.items())[2:]))
                  for kind, length, event in zip(kinds, lengths, events)]
    named: list[tuple[int, str]] = []
    given: dict[int, object] = {}
    by_check: dict[int, int] = {}  # position: instant (µs) of an event only Intake.check could read
    if None in shapes:
        for position in [position for position, shape in enumerate(shapes) if shape is None]:
            event, kind = events[position], kinds[position]
            rest = event.copy()  # the attributes in posted order, as Intake keys its shapes
            rest.pop("type", None)
            rest.pop("at", None)
            given[position] = rest.pop("id", None)
            shape = known.get((kind, tuple(rest.items())))
            if shape is None:
                _, instant, _, shape = intake.check(case_ids[position], event)  # raises: read one by one
                by_check[position] = (instant - _EPOCH) // _US
            elif not rest:
                bare[kind] = shape
            shapes[position] = shape
    # non-texts are not read here (the event's own check says what is wrong with them)
    ats, read = plain_micros(pa.array([t if type(t) is str else None for t in texts], pa.string()), timezone)
    if by_check or not read.all():
        for position in np.flatnonzero(~read).tolist():
            at_us = by_check.get(position)
            if at_us is None and type(texts[position]) is str:
                instant = intake._instant(texts[position])  # as Intake reads a posted text (Hijri too)
                at_us = None if instant is None else (instant - _EPOCH) // _US
            if at_us is None:
                _, instant, _, shapes[position] = intake.check(case_ids[position], events[position])
                at_us = (instant - _EPOCH) // _US
                given[position] = events[position].get("id")
            ats[position] = at_us
    for shape in set(shapes):
        if not shape.code:
            code_of(shape)
    codes = np.fromiter(map(_code, shapes), dtype=np.int32, count=count)
    for position, value in given.items():
        event_id = posted_id(value, position)  # raises for a bad id: then read one by one, which says so
        if event_id is None:
            continue
        shape = shapes[position]
        # an event posted with its own content id is known by its content, as one posted without
        if len(event_id) != 24 or event_id != content_id(shape.kind, int(ats[position]), shape.shown):
            named.append((position, event_id))
    return ReadPost(list(case_ids), ats, codes, int(codes.max()), named)

