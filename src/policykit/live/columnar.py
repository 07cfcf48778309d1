"""LiveSession: each post_many checks its events one by one, then judges all of them at once with numpy
(live.vector runs each rule kind's decision table over the posted cases' event columns)."""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Mapping
from itertools import compress, repeat
from operator import is_, is_not, itemgetter
from typing import Iterable, Iterator

import numpy as np

from ..case import Case, Event
from ..diagnostics import PolicykitError
from ..engine import evaluate
from ..judge.compiled import compile_policy
from ..timeparse import MAX_YEAR, MIN_YEAR, iso
from ..values import id_text
from ..verdict import Verdict
from .book import CaseBook
from .bulk import read_post
from .changes import CODE_BITS, CODE_MASK, Change, PostedChanges
from .intake import Shape, at_position, content_id, micros, posted_id, posted_item
from .store import stored_rows
from .session import SessionCore
from ..judge.status import BREACHED, NAMES as STATUS, NOT_APPLICABLE, NOT_JUDGED as NONE, PENDING
from .vector import LATEST, NO_DUE, Dues, Patterns, vector_judges

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_US = dt.timedelta(microseconds=1)
# instants (µs, UTC) whose local year is surely MIN_YEAR..MAX_YEAR whatever their offset
_SURELY_IN_RANGE = ((dt.datetime(MIN_YEAR, 1, 2, tzinfo=dt.timezone.utc) - _EPOCH) // _US,
                    (dt.datetime(MAX_YEAR, 12, 30, tzinfo=dt.timezone.utc) - _EPOCH) // _US)


class LiveSession(SessionCore):
    """A streaming evaluation of many open cases against one policy, with an injected clock.

    Open cases are rows of arrays (live.book) judged a whole post_many at a time; a policy with several versions
    judges each case under the version in force on the local date of its first event, as `evaluate()` does.
    """ + SessionCore.__doc__.split("\n\n", 1)[1]

    def _setup(self) -> None:
        self.versions = [compile_policy(version, self.reading) for version in self.policy.versions]
        # every version's rules share the judged-state columns, by rule id
        self.rule_ids = list(dict.fromkeys(rule.rule.id for version in self.versions for rule in version.rules))
        column = {rule_id: index for index, rule_id in enumerate(self.rule_ids)}
        self.patterns = Patterns()
        self.judges_of: list[list[tuple[int, object]]] = []
        self.expects: list[str | None] = [None] * len(self.rule_ids)
        opening = set()
        self.dues_of = [Dues(compiled.calendar) for compiled in self.versions]  # per version, its dues remembered
        for compiled, dues in zip(self.versions, self.dues_of):
            judges = []
            for rule_id, judge, expects, judged_first in vector_judges(compiled, self.patterns, dues):
                judges.append((column[rule_id], judge))
                self.expects[column[rule_id]] = self.expects[column[rule_id]] or expects
                if judged_first:
                    opening.add(column[rule_id])
            self.judges_of.append(judges)
        # each version's first local day (days since 1970-01-01), for choosing a case's version by its first event
        self._start_days = np.array([(v.effective_from - dt.date(1970, 1, 1)).days if v.effective_from else
                                     np.iinfo(np.int64).min for v in self.policy.versions], dtype=np.int64)
        from ..batch.zone_np import zone_columns

        self.zone = zone_columns(self.policy.calendar.timezone)
        self.book = CaseBook(len(self.rule_ids))
        self.shapes: list[Shape | None] = [None]  # code 0: padding, no event
        self._shape_codes: dict[tuple, int] = {}
        self._affected = np.zeros((1, len(self.rule_ids)), dtype=bool)
        # rules every case's first event must judge whatever it is (see vector_judges)
        self._opening = np.array(sorted(opening), dtype=np.int64)
        # per version, which of the shared rule columns are its rules; per row, its earliest instant (versions)
        self._in_version = np.array([[rule_id in {r.rule.id for r in compiled.rules} for rule_id in self.rule_ids]
                                     for compiled in self.versions], dtype=bool)
        self._earliest: dict[int, int] = {}
        self._kinds = self._texts = np.array([None], dtype=object)
        self._bare: dict[str, Shape] = {}  # the shape of an event with a type and an instant only, by type
        self._closed: set[str] = set()
        self._dues: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (due µs, row, rule) awaiting advance()
        self._due_strings: dict[int, str] = {}
        self._findings_said: list[tuple] | None = None
        self._unread: weakref.WeakSet = weakref.WeakSet()  # posts' new actions not read yet (_NewActions)
        self.now_us = micros(self.now)
        self._restore()

    # --- shapes ---------------------------------------------------------------------------------------------

    def _code(self, shape: Shape) -> int:
        """The number of an event shape in this session (its row in the pattern tables)."""
        key = (shape.kind, shape.shown)
        code = self._shape_codes.get(key)
        if code is None:
            code = self._shape_codes[key] = len(self.shapes)
            self.shapes.append(shape)
            affected = np.array([[rule_id in shape.affected for rule_id in self.rule_ids]], dtype=bool)
            self._affected = np.vstack([self._affected, affected])
        shape.code = code
        return code

    def _shape_columns(self) -> tuple[np.ndarray, np.ndarray]:
        """Each shape code's event type and stored attribute text (object arrays, for taking by code)."""
        if len(self._kinds) != len(self.shapes):
            self._kinds = np.array([None] + [shape.kind for shape in self.shapes[1:]], dtype=object)
            self._texts = np.array([None] + [shape.stored for shape in self.shapes[1:]], dtype=object)
        return self._kinds, self._texts

    # --- feeding --------------------------------------------------------------------------------------------

    def _post_many(self, items: Iterable[tuple]) -> "PostedChanges":
        """Check and take the events; if one is bad, what was taken is undone before it raises.  A post whose
        events are all of the common form (live.bulk) is read as columns at once; any other is read one event
        at a time (_take_each).  The Changes are built when read (PostedChanges)."""
        items = items if type(items) is list else list(items)
        book, store = self.book, self.store
        ids_of, closed, shapes_of = book.ids, self._closed, self.shapes
        taken = _Taken()
        opened_from, clock = len(book.case_of), (self.now, self.now_us)  # a reopened case may move the clock

        def undo() -> None:
            """Leave memory as it was before this call: ids, rows opened (reopened cases too), clock."""
            repeated = set(taken.duplicates)
            taken_keys = [key for i, key in enumerate(taken.keys) if i not in repeated]
            rows = taken.rows.tolist() if isinstance(taken.rows, np.ndarray) else taken.rows
            for row, key in zip(rows, taken_keys):
                if row < opened_from:
                    del ids_of[row][key]
            book.forget(opened_from)
            self.now, self.now_us = clock

        try:
            if not self._take_columns(items, taken, opened_from):
                self._take_each(items, taken)
            row_numbers = np.asarray(taken.rows, dtype=np.int64)
            if len(row_numbers):
                self._check_sizes(row_numbers)
        except BaseException:
            undo()
            raise
        case_ids, keys, duplicates, facts_taken, reopened = (taken.case_ids, taken.keys, taken.duplicates,
                                                             taken.facts, taken.reopened)
        rows = len(row_numbers)
        changes = PostedChanges(case_ids, keys, duplicates, shapes_of)
        instants, shape_codes = np.asarray(taken.ats, dtype=np.int64), np.asarray(taken.codes, dtype=np.int32)
        try:
            with self._transaction():  # stored first: memory takes the events only once they are acknowledged
                for case_id in reopened:
                    store.reopen(case_id)
                for case_id, facts in facts_taken:
                    store.set_facts(case_id, facts)
                if rows and store.path is not None:
                    kinds, texts = self._shape_columns()
                    if duplicates:
                        kept = changes.taken()
                        stored_cases, stored_keys = [case_ids[i] for i in kept], [keys[i] for i in kept]
                    else:
                        stored_cases, stored_keys = case_ids, keys
                    store.add_columns(stored_cases, stored_keys, kinds[shape_codes].tolist(), instants.tobytes(),
                                      texts[shape_codes].tolist())
        except BaseException:
            undo()
            raise
        for case_id in reopened:
            closed.discard(case_id)
        for case_id, facts in facts_taken:
            book.facts.setdefault(case_id, {}).update(facts)
        if rows:
            self._judge_posted(row_numbers, shape_codes, instants, changes)
            self.clock_started = True
        return changes

    def _take_columns(self, items: list, taken: "_Taken", opened_from: int) -> bool:
        """Take a post read as columns (live.bulk) into `taken`; False, with nothing taken, when it is not one
        (then _take_each reads it): an event not of the common form, a reopened case, an event repeated within
        the post.  Raises as _take_each would (the caller undoes what was taken)."""
        read = read_post(items, self.intake, self._bare, self._code, self.policy.calendar.timezone)
        if read is None or read.max_code > CODE_MASK:
            return False
        book, closed = self.book, self._closed
        index, ids_of = book.index, book.ids
        case_ids, count = read.case_ids, len(read.case_ids)
        # known by their content: one int each, (instant << CODE_BITS) | shape code, as _take_each makes them
        keys: list = ((read.ats << CODE_BITS) | read.codes).tolist()
        for position, event_id in read.named:
            keys[position] = event_id
        row_numbers = np.fromiter(map(index.get, case_ids, repeat(-1)), dtype=np.int64, count=count)
        if row_numbers.min() < 0:
            new = np.flatnonzero(row_numbers < 0).tolist()
            new_ids = itemgetter(*new)(case_ids) if len(new) > 1 else (case_ids[new[0]],)
            opening = list(dict.fromkeys(new_ids))  # in the order they first appear, as _take_each opens them
            if closed and not closed.isdisjoint(opening):
                return False  # a closed case comes back with its history: read one event at a time
            book.open_many(opening)
            row_numbers[new] = np.fromiter(map(index.__getitem__, new_ids), dtype=np.int64, count=len(new))
        held = list(map(ids_of.__getitem__, row_numbers.tolist()))
        # every key taken in at once, with this post's own mark as its value: setdefault gives back another
        # value (None, or an earlier post's mark) for an event acknowledged before; an event repeated within the
        # post shows as the dicts growing by fewer keys than were new
        mark, touched = object(), list(map(ids_of.__getitem__, np.unique(row_numbers).tolist()))
        before = sum(map(len, touched))
        found = list(map(dict.setdefault, held, keys, repeat(mark)))
        duplicates = list(compress(range(count), map(is_not, found, repeat(mark))))
        if sum(map(len, touched)) - before != count - len(duplicates):  # repeated within: read one by one
            for i in compress(range(count), map(is_, found, repeat(mark))):
                held[i].pop(keys[i], None)
            book.forget(opened_from)
            return False
        if count < 256:  # a small post does not keep its mark alive (a large one's costs nothing per event)
            for ids, key in zip(held, keys):
                if ids[key] is mark:
                    ids[key] = None
        ats, codes = read.ats, read.codes
        kept_at = None
        if duplicates:
            kept = np.ones(count, dtype=bool)
            kept[duplicates] = False
            kept_at = np.flatnonzero(kept)
            row_numbers, ats, codes = row_numbers[kept], ats[kept], codes[kept]
        taken.case_ids, taken.keys, taken.duplicates = list(case_ids), keys, duplicates
        taken.rows, taken.codes, taken.ats = row_numbers, codes, ats
        self._guard_clock(ats, case_ids if kept_at is None else [case_ids[i] for i in kept_at.tolist()], kept_at)
        return True

    def _guard_clock(self, ats: np.ndarray, case_ids: list[str], positions: np.ndarray | None = None) -> None:
        """Refuse the first event (of those taken, in order) more than the tolerance past the clock it finds, named
        by its place in the post (`positions`: the places of those taken, when some were left out)."""
        if not self.clock_guarded or not len(ats) or self._lead_us >= 1 << 62:  # no instant allowed is that far
            return
        found = np.maximum.accumulate(np.concatenate([[self.now_us], ats]))[:-1]
        over = np.flatnonzero(ats - found > self._lead_us)
        if len(over):
            first = int(over[0])
            refused = self._too_far_ahead(case_ids[first], _EPOCH + dt.timedelta(microseconds=int(ats[first])),
                                          _EPOCH + dt.timedelta(microseconds=int(found[first])))
            raise at_position(refused, first if positions is None else int(positions[first]))

    def _take_each(self, items: list, taken: "_Taken") -> None:
        """Check and take each event in turn (into `taken`; the caller undoes it if this raises).  The common
        event (a known shape, an ISO 8601 instant) is read inline; any other goes through Intake.check, which
        says what is wrong."""
        book, intake, tz = self.book, self.intake, self.tz
        index, ids_of, closed = book.index, book.ids, self._closed
        check, facts_of, shapes, code_of = intake.check, intake.facts, intake._shapes, self._code
        bare = self._bare
        fromisoformat, low, high, epoch, one_us = dt.datetime.fromisoformat, MIN_YEAR, MAX_YEAR, _EPOCH, _US
        surely_low, surely_high = _SURELY_IN_RANGE
        case_ids, keys, duplicates, rows, codes, ats = (taken.case_ids, taken.keys, taken.duplicates, taken.rows,
                                                        taken.codes, taken.ats)
        facts_taken, reopened = taken.facts, taken.reopened
        # the clock as each event finds it (None: none yet, the first event sets it), and how far past it an
        # event may lie
        latest, lead = (self.now_us if self.clock_started else None), self._lead_us
        guarded = self.clock_guarded
        for position, item in enumerate(items):
            if type(item) is tuple and len(item) == 2:
                case_id, event = item
                facts = None
            else:
                case_id, event, facts = posted_item(item, position)
            # the case id trimmed, as live.intake.case_key keys it (strip() gives the same text when none is cut)
            if (type(case_id) is not str or type(event) is not dict or not case_id.isascii() or "\x00" in case_id
                    or not (case_id := case_id.strip())):
                case_id, event, facts = posted_item((case_id, event, facts), position)
            shape = instant = given = None
            if type(event) is dict:
                kind, at = event.get("type"), event.get("at")
                try:
                    if len(event) == 2:  # a type and an instant: most events
                        shape = bare.get(kind)
                        if shape is None:
                            shape = shapes.get((kind, ()))
                            if shape is not None:
                                bare[kind] = shape
                    else:
                        # the type and instant first, then attributes, as most posts give them: found only
                        # if the first two keys are those (no shape's attributes hold a type, instant or id)
                        shape = shapes.get((kind, tuple(event.items())[2:]))
                        if shape is None:
                            rest = event.copy()  # the attributes in posted order, as Intake keys its shapes
                            rest.pop("type", None)
                            rest.pop("at", None)
                            given = rest.pop("id", None)
                            shape = shapes.get((kind, tuple(rest.items())))
                except TypeError:  # an unhashable value: Intake.check explains
                    shape = None
                if shape is not None and type(at) is str:
                    try:
                        instant = fromisoformat(at)
                    except ValueError:
                        instant = None
            if instant is not None:
                if instant.tzinfo is None:
                    instant = instant.replace(tzinfo=tz)
                at_us = (instant - epoch) // one_us
                # surely inside the years allowed (offsets are under a day), else their exact test
                if not surely_low < at_us < surely_high and not low <= instant.year <= high:
                    instant = None
            if instant is None:
                try:
                    kind, instant, _, shape = check(case_id, event)
                except PolicykitError as exc:  # located in the post, not in a one-event case
                    raise at_position(exc, position) from None
                at_us = (instant - epoch) // one_us
                given = event.get("id")
            code = shape.code or code_of(shape)
            event_id = (given if type(given) is str and given and given.isascii() and "\x00" not in given else
                        posted_id(given, position))
            if event_id is None or (len(event_id) == 24 and event_id == content_id(kind, at_us, shape.shown)):
                # known by its content (also when its own content id is posted as its id): one int, which
                # the garbage collector need not track, unlike a tuple
                event_id = (at_us << CODE_BITS) | code if code <= CODE_MASK else (kind, at_us, shape.shown)
            if facts:
                try:
                    facts = facts_of(case_id, facts)
                except PolicykitError as exc:
                    raise at_position(exc, position) from None
            row = index.get(case_id)
            if row is None:
                row = self._open(case_id, closed, reopened)
                if latest is not None and self.now_us > latest:  # a reopened case's history
                    latest = self.now_us
            ids = ids_of[row]
            if event_id in ids:
                case_ids.append(case_id)
                keys.append(event_id)
                duplicates.append(len(keys) - 1)
                continue
            if latest is None or at_us > latest:
                if guarded and latest is not None and at_us - latest > lead:
                    refused = self._too_far_ahead(case_id, instant, epoch + dt.timedelta(microseconds=latest))
                    raise at_position(refused, position)
                latest = at_us
            case_ids.append(case_id)
            keys.append(event_id)
            ids[event_id] = None
            if facts:
                facts_taken.append((case_id, facts))
            rows.append(row)
            codes.append(code)
            ats.append(at_us)

    def _check_sizes(self, rows: np.ndarray) -> None:
        """Refuse a post that would give a case more events than the limit (one count per case touched)."""
        touched, added = np.unique(rows, return_counts=True)
        totals = self.book.counts[touched] + added
        over = np.flatnonzero(totals > self.limits.max_events_per_case)
        if len(over):
            row = int(touched[over[0]])
            raise self._too_many_events(self.book.case_of[row], int(totals[over[0]]))

    def _open(self, case_id: str, closed: set[str], reopened: list[str]) -> int:
        """A row for a case not held; a closed case comes back with its stored history (stale), read only: the
        caller marks it open in the store once its events are taken."""
        row = self.book.open(case_id)
        if case_id in closed and case_id not in reopened:
            reopened.append(case_id)
            self._restore_events(self.store.closed_events(case_id))
            for fact_case, fact, value in self.store.load_facts():
                if fact_case == case_id:
                    self.book.facts.setdefault(case_id, {})[fact] = value
        return row

    def _judge_posted(self, rows: np.ndarray, codes: np.ndarray, ats: np.ndarray, changes: "PostedChanges") -> None:
        """Judge each posted event's rules on its case as it stood just after it, at the clock of that moment."""
        book = self.book
        arrivals, by_row, starts = book.append(rows, codes, ats)  # by_row: grouped by case, in arrival order
        # the clock each event finds; a clock not started yet starts at the first event, whenever it is (SPEC §11)
        start = self.now_us if self.clock_started else np.iinfo(np.int64).min
        clock = np.maximum.accumulate(np.concatenate([[start], ats]))
        now_after, now_before = clock[1:], clock[:-1]
        first = np.sort(by_row[starts])
        stale = first[book.stale[rows[first]]]
        if len(stale):
            restored = stale[arrivals[stale] > 0]
            if len(restored):  # judged on what they held, so that each change reported is its event's alone
                self._rejudge(rows[restored], arrivals[restored], now_before[restored], None)
            new = stale[arrivals[stale] == 0]
        else:
            new = stale
        affected = self._affected[codes]
        if len(self.versions) > 1:
            affected = self._version_moves(rows, ats, by_row, starts, affected)
        if len(new):
            # rules a first event cannot match are not_applicable, and not reported as a change; but an order
            # rule's earlier step is owed from a case's first event on (SPEC §9), so order rules are judged
            affected = affected.copy()
            affected[new[:, None], self._opening] = True
            outside = ~self._in_version[self._version_numbers(ats[new])]  # another version's rules: not judged
            book.status[rows[new]] = np.where(affected[new], NONE, np.where(outside, NONE, NOT_APPLICABLE))
            book.due[rows[new]] = NO_DUE
        if len(stale):
            book.stale[rows[stale]] = False
        status, due = self._judge(rows, arrivals + 1, now_after, None, affected)
        self._report([self._changes(rows, by_row, affected, status, due)], changes, (rows, arrivals + 1, now_after))
        if len(now_after):
            self._set_clock(int(now_after[-1]))

    def _changes(self, rows: np.ndarray, by_row: np.ndarray, affected: np.ndarray, status: np.ndarray,
                 due: np.ndarray) -> tuple[np.ndarray, ...]:
        """For every rule at once, the events whose judgement of it differs from the one before it on the same
        case (each rule's affected events taken grouped by case, in arrival order); the last one kept per case."""
        book = self.book
        rule, at = np.nonzero(affected[by_row].T)  # rule by rule, each one's events in by_row's order
        positions = by_row[at]
        held, judged, dues = rows[positions], status[positions, rule], due[positions, rule]
        first = np.ones(len(held), dtype=bool)
        first[1:] = (held[1:] != held[:-1]) | (rule[1:] != rule[:-1])
        last = np.ones(len(held), dtype=bool)
        last[:-1] = first[1:]
        before_status, before_due = book.status[held, rule], book.due[held, rule]
        before_status[1:] = np.where(first[1:], before_status[1:], judged[:-1])  # else: the same case's previous
        before_due[1:] = np.where(first[1:], before_due[1:], dues[:-1])
        book.status[held[last], rule[last]] = judged[last]
        book.due[held[last], rule[last]] = dues[last]
        waiting = (judged == PENDING) & (dues != NO_DUE)
        if waiting.any():  # remembered for advance() to re-judge once the due passes
            self._dues.append((dues[waiting], held[waiting], rule[waiting]))
        changed = ~((before_status == judged) & (before_due == dues)) & ~((before_status == NONE) &
                                                                          (judged == NOT_APPLICABLE))
        where = np.flatnonzero(changed)
        return positions[where], rule[where], before_status[where], judged[where], dues[where]

    def _await(self, rows: np.ndarray, rule: int, status: np.ndarray, due: np.ndarray) -> None:
        """Remember the pending judgements with a due, for advance() to re-judge once it passes."""
        waiting = (status == PENDING) & (due != NO_DUE)
        if waiting.any():
            self._dues.append((due[waiting], rows[waiting], np.full(int(waiting.sum()), rule)))

    def _report(self, found: list[tuple[np.ndarray, ...]], changes: "PostedChanges",
                moments: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        """Findings (and new actions) of each taken event, in rule order, into the posted changes; `moments`: per
        taken event, its row, the arrivals it judges (its own included) and the clock it found."""
        if not found:
            return
        positions, rules, befores, statuses, dues = (np.concatenate(column) for column in zip(*found))
        if not len(positions):
            return
        order = np.argsort(positions * len(self.rule_ids) + rules, kind="stable")  # by event, then rule
        items = changes.taken()[positions[order]] if changes.duplicates else positions[order]
        # one number per (rule, from, to), read in a table of what its finding says and whether it owes an action
        kinds = (rules[order].astype(np.int64) * len(STATUS) + befores[order]) * len(STATUS) + statuses[order]
        said = self._said()
        new = np.flatnonzero(np.array([entry[3] is not None for entry in said], dtype=bool)[kinds])
        actions = None
        if len(new):  # each new action as the case's verdict lists it at that moment: found when first read
            events, place = np.unique(positions[order][new], return_inverse=True)
            rows, limits, now = (column[events] for column in moments)
            actions = _NewActions(self, new, place.reshape(-1), rules[order][new], rows, limits, now)
            self._unread.add(actions)
        dues_at, where = np.unique(dues[order], return_inverse=True)  # each due written once
        texts, text_of = self._due_strings, self._due_string
        due_texts = [None if due == NO_DUE else texts.get(due) or text_of(due) for due in dues_at.tolist()]
        first = np.flatnonzero(np.concatenate([[True], items[1:] != items[:-1]]))  # each event's first finding
        changes.set_findings(items[first], first, kinds, where, due_texts, said, actions)

    def _said(self) -> list[tuple]:
        """Per (rule, from, to) number: the rule id, the two status names and the event a new action owes (a
        finding turning pending owes its rule's expected event), else None."""
        if self._findings_said is None:
            self._findings_said = [(rule_id, STATUS[before], STATUS[status],
                                    expected if status == PENDING and before != PENDING and expected else None)
                                   for rule_id, expected in zip(self.rule_ids, self.expects)
                                   for before in range(len(STATUS)) for status in range(len(STATUS))]
        return self._findings_said

    def _settle(self) -> None:
        """Find the new actions of every post not read yet, before a case leaves memory (its events past the
        matrices' width go with it)."""
        for unread in list(self._unread):
            unread.found()

    def _finding(self, change: Change, rule: int, before: int, status: int, due: int, expected: str | None) -> bool:
        """The finding into `change`; whether it gives a new action (pending now, or past its due with the event
        still to come: overdue, SPEC §9)."""
        due_text = None if due == NO_DUE else self._due_string(due)
        change.findings.append({"rule": self.rule_ids[rule], "from": STATUS[before], "to": STATUS[status],
                                "due": due_text})
        return bool(expected) and ((status == PENDING and before != PENDING) or
                                   (status == BREACHED and before == PENDING and due != NO_DUE))

    def _due_string(self, due: int) -> str:
        text = self._due_strings.get(due)
        if text is None:
            if len(self._due_strings) > 100_000:
                self._due_strings.clear()
            text = self._due_strings[due] = iso(_EPOCH + dt.timedelta(microseconds=due), self.tz)
        return text

    def _judge(self, rows: np.ndarray, limits: np.ndarray, now: np.ndarray, rules: list[int] | None,
               wanted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(status, due) of each rule (columns) on each row's first `limits` arrivals at its `now`; with `wanted`
        (rows × rules), only where it is true (elsewhere NONE)."""
        count = len(self.rule_ids)
        status = np.zeros((len(rows), count), dtype=np.int8)  # NONE: a rule of another version
        due = np.full((len(rows), count), NO_DUE, dtype=np.int64)
        chosen = None if rules is None else set(rules)
        self.patterns.grow(self.shapes)
        for positions, block in self.book.blocks(rows, limits, now):
            for version, picked in self._by_version(block):
                part = block if picked is None else block.rows(picked)
                at = positions if picked is None else positions[picked]
                for rule, judge in self.judges_of[version]:
                    if chosen is not None and rule not in chosen:
                        continue
                    if wanted is None:
                        status[at, rule], due[at, rule] = judge(part)
                        continue
                    some = np.flatnonzero(wanted[at, rule])
                    if len(some) == len(at):
                        status[at, rule], due[at, rule] = judge(part)
                    elif len(some) * 2 > len(at):  # most rows: the whole block (matches shared) is cheaper
                        judged, dues = judge(part)
                        status[at[some], rule], due[at[some], rule] = judged[some], dues[some]
                    elif len(some):
                        status[at[some], rule], due[at[some], rule] = judge(part.rows(some))
        return status, due

    def _by_version(self, block):
        """(version number, rows of the block judged under it; None: all) — a case is judged under the version in
        force on the local date of its first event (of its clock, before it has any)."""
        if len(self.versions) == 1:
            return [(0, None)]
        number = self._version_numbers(np.where(block.ats[:, 0] == LATEST, block.now, block.ats[:, 0]))
        return [(int(v), np.flatnonzero(number == v)) for v in np.unique(number).tolist()]

    def _version_numbers(self, instants: np.ndarray) -> np.ndarray:
        """The number of the version in force on each instant's local date."""
        day = self.zone.local_day(instants).astype(np.int64)
        return np.maximum(np.searchsorted(self._start_days, day, side="right") - 1, 0)

    def _version_moves(self, rows: np.ndarray, ats: np.ndarray, by_row: np.ndarray, starts: np.ndarray,
                       affected: np.ndarray) -> np.ndarray:
        """`affected`, with every rule of the case for an event earlier than all its case held that changes the
        version in force (a late arrival): the case is then judged whole under the other version."""
        earliest = self._earliest
        moved = []
        for position in by_row.tolist():  # grouped by case, in arrival order: a running minimum per case
            row, at = int(rows[position]), int(ats[position])
            before = earliest.get(row)
            if before is None or at < before:
                earliest[row] = at
                if before is not None and self._version_numbers(np.array([at]))[0] != \
                        self._version_numbers(np.array([before]))[0]:
                    moved.append(position)
        if not moved:
            return affected
        affected = affected.copy()
        affected[moved] = True
        return affected

    def _rejudge(self, rows: np.ndarray, limits: np.ndarray, now: np.ndarray, rules: list[int] | None) -> None:
        """Judge rows anew and keep the result without reporting it (a restored or reopened case)."""
        status, due = self._judge(rows, limits, now, rules)
        book = self.book
        book.status[rows] = status
        book.due[rows] = due
        for rule in range(len(self.rule_ids)):
            self._await(rows, rule, status[:, rule], due[:, rule])
        book.stale[rows] = False

    def _set_clock(self, now_us: int) -> None:
        """Move the clock forward to `now_us` (or to it at once, when it has not started)."""
        if now_us > self.now_us or not self.clock_started:
            self.now_us = now_us
            self.now = _EPOCH + dt.timedelta(microseconds=now_us)

    def _facts_held(self, case_id: str) -> dict:
        if case_id not in self.book.index:
            if case_id in self._closed:
                # a closed case stays closed: its facts are stored, and come back with it when an event reopens it
                return {}
            self.book.open(case_id)  # facts before any event (not a reopening, as in the per-case session)
        return self.book.facts.setdefault(case_id, {})

    # --- time -----------------------------------------------------------------------------------------------

    def advance(self, now: dt.datetime | str) -> list[Change]:
        """Move the clock to `now`; the findings whose due passed in between, with what changed."""
        instant = self._clock_to(now)
        self._judge_stale()
        self.now = instant
        self.now_us = limit = micros(instant)
        if not self._dues:
            return []
        dues, rows, rules = (np.concatenate(column) for column in zip(*self._dues))
        passed = dues < limit
        self._dues = [(dues[~passed], rows[~passed], rules[~passed])] if (~passed).any() else []
        book = self.book
        # in the order a heap of (due, case id, rule id) pops them, each (case, rule) once
        entries = sorted(zip(dues[passed].tolist(), [book.case_of[row] for row in rows[passed].tolist()],
                             [self.rule_ids[rule] for rule in rules[passed].tolist()], rules[passed].tolist()))
        pairs: dict[tuple[str, int], None] = {}
        for _, case_id, _, rule in entries:
            if case_id in book.index:
                pairs.setdefault((case_id, rule))
        if not pairs:
            return []
        held = list(dict.fromkeys(case_id for case_id, _ in pairs))
        held_rows = np.array([book.index[case_id] for case_id in held], dtype=np.int64)
        status, due = self._judge(held_rows, book.counts[held_rows],
                                  np.full(len(held), limit, dtype=np.int64), sorted({rule for _, rule in pairs}))
        where = {case_id: position for position, case_id in enumerate(held)}
        out: dict[str, Change] = {}
        expects, owing = self.expects, []
        for case_id, rule in pairs:
            position = where[case_id]
            row = int(held_rows[position])
            new_status, new_due = int(status[position, rule]), int(due[position, rule])
            before_status, before_due = int(book.status[row, rule]), int(book.due[row, rule])
            book.status[row, rule], book.due[row, rule] = new_status, new_due
            change = out.setdefault(case_id, Change(case_id))
            if new_status == PENDING and new_due != NO_DUE:
                self._dues.append((np.array([new_due]), np.array([row]), np.array([rule])))
            if (before_status == new_status and before_due == new_due) or (before_status == NONE and
                                                                            new_status == NOT_APPLICABLE):
                continue
            if self._finding(change, rule, before_status, new_status, new_due, expects[rule]):
                owing.append((change, row, rule))
        if owing:  # each as the case's verdict lists it now (live.todo)
            from .todo import actions_at

            rows = np.array(list(dict.fromkeys(row for _, row, _ in owing)), dtype=np.int64)
            place = {row: number for number, row in enumerate(rows.tolist())}
            wanted = np.zeros((len(rows), len(self.rule_ids)), dtype=bool)
            for _, row, rule in owing:
                wanted[place[row], rule] = True
            listed = actions_at(self, rows, book.counts[rows], np.full(len(rows), limit, dtype=np.int64), wanted)
            for change, row, rule in owing:
                action = listed.get((place[row], rule))
                if action is not None:
                    change.new_actions.append(action)
        return [change for change in out.values() if change.findings]

    def _judge_stale(self) -> None:
        """Judge the cases not judged since they were restored, as things stand before the clock moves."""
        book = self.book
        stale = np.array([row for row in book.index.values() if book.stale[row]], dtype=np.int64)
        if len(stale):
            limits = book.counts[stale]
            self._rejudge(stale, limits, np.full(len(stale), self.now_us, dtype=np.int64), None)

    # --- results --------------------------------------------------------------------------------------------

    def verdict(self, case_id: str) -> Verdict:
        """The verdict of a case now: `evaluate()` itself on the case's events."""
        case_id = _trimmed(case_id)
        if case_id not in self.book.index:
            raise KeyError(case_id)
        return evaluate(self.policy, self._case(case_id), self.now, self.reading, settings=self.settings)

    def todo(self, until: dt.datetime | None = None, stop=None) -> list[dict]:
        """Every held case's required actions at the clock, `{"case_id", ...}` plus each action as `verdict()` lists
        it: overdue first, then by due (open-ended last), case id, rule id; with `until`, only those due at or before
        it.  Judged over columns (live.todo), not a verdict per case; `stop()`, called as it goes, may raise to give
        up."""
        from .todo import to_do

        return to_do(self, until, stop)

    def close(self, case_id: str) -> Verdict:
        """The case's final verdict; the case leaves memory (its events stay in the store)."""
        case_id = _trimmed(case_id)
        verdict = self.verdict(case_id)
        row = self.book.index[case_id]
        with self._transaction() as store:
            store.close_case(case_id, stored_rows(case_id, list(self.book.ids[row]), self._events(case_id)))
        self._settle()
        self.book.drop(case_id)
        self._closed.add(case_id)
        return verdict

    def judgement(self, case_id: str) -> dict[str, str]:
        """The incrementally maintained status of each rule of a case (what post/advance reported)."""
        book = self.book
        row = book.index[_trimmed(case_id)]
        if book.stale[row]:
            self._rejudge(np.array([row]), book.counts[[row]], np.array([self.now_us]), None)
        codes = book.status[row].copy()
        # a due the clock has gone past (a later post moved it) is judged as things stand now; advance() is
        # still what reports it passing
        passed = np.flatnonzero((codes == PENDING) & (book.due[row] != NO_DUE) & (book.due[row] < self.now_us))
        if len(passed):
            status, _ = self._judge(np.array([row]), book.counts[[row]], np.array([self.now_us]), passed.tolist())
            codes[passed] = status[0, passed]
        return {rule_id: STATUS[code] for rule_id, code in zip(self.rule_ids, codes.tolist()) if code != NONE}

    @property
    def open_cases(self) -> int:
        """How many cases are held."""
        return len(self.book)

    @property
    def cases(self) -> "HeldCases":
        """The held cases by id, each with its `events` and `facts`."""
        return HeldCases(self)

    def _events(self, case_id: str) -> list[Event]:
        row = self.book.index[case_id]
        codes, ats = self.book.events_of(row)
        shapes = self.shapes
        events = [Event(arrival, shapes[code].kind, _EPOCH + dt.timedelta(microseconds=at), shapes[code].attrs)
                  for arrival, (code, at) in enumerate(zip(codes, ats))]
        events.sort(key=lambda event: event.at)  # stable: ties stay in arrival order
        return events

    def _case(self, case_id: str) -> Case:
        return Case(case_id=case_id, events=tuple(self._events(case_id)),
                    facts=dict(self.book.facts.get(case_id, {})))

    # --- restoring ------------------------------------------------------------------------------------------

    def _restore_events(self, stored: Iterable[tuple]) -> None:
        """Stored events (case id, event id, type, µs, attributes) back into their rows, which become stale."""
        book, shape_of, code_of = self.book, self.intake.shape_of, self._code
        rows, codes, ats = [], [], []
        for case_id, event_id, kind, at_us, attrs in stored:
            row = book.index.get(case_id)
            if row is None:
                row = book.open(case_id)
            shape = shape_of(kind, attrs)
            key, ids = self._key(event_id, kind, at_us, shape), book.ids[row]
            if key in ids:
                continue  # stored twice (two writers before a store was held by one session): taken once
            ids[key] = None
            book.stale[row] = True
            if at_us < self._earliest.get(row, at_us + 1):
                self._earliest[row] = at_us
            rows.append(row)
            codes.append(code_of(shape))
            ats.append(at_us)
        if rows:
            book.append(np.array(rows, dtype=np.int64), np.array(codes, dtype=np.int32),
                        np.array(ats, dtype=np.int64))
            self._set_clock(max(ats))

    def _take_stored(self, caught) -> None:
        """Others' acknowledgements: closed cases leave memory, reopened ones come back whole, events are added
        (their cases judged anew when next touched), facts recorded."""
        book = self.book
        if caught.closed:
            self._settle()
        for case_id in caught.closed:
            if case_id in book.index:
                book.drop(case_id)
            self._closed.add(case_id)
        self._closed -= caught.reopened
        self._restore_events(caught.events)
        for case_id, fact, value in caught.facts:
            self._facts_held(case_id)[fact] = value

    def _key(self, event_id: str | None, kind: str, at_us: int, shape: Shape) -> str | int | tuple:
        """A stored event's key among its case's acknowledged ones, as _post_many makes it: its id, or its
        content when it had none (or when a file of the earlier layout stored its content id)."""
        if event_id and (len(event_id) != 24 or event_id != content_id(kind, at_us, shape.shown)):
            return event_id
        code = self._code(shape)
        return (at_us << CODE_BITS) | code if code <= CODE_MASK else (kind, at_us, shape.shown)

    def _restore(self) -> None:
        """Reload every acknowledged event of the open cases from the store."""
        closed = self._closed = self.store.load_closed()
        book = self.book
        self._restore_events(stored for stored in self.store.load() if stored[0] not in closed)
        if book.index:
            self.clock_started = True  # a restart on the same store restores the clock (SPEC §11)
        self._stored_clock()
        self.now_us = micros(self.now)
        for case_id, fact, value in self.store.load_facts():
            if case_id in book.index:
                book.facts.setdefault(case_id, {})[fact] = value


class _NewActions:
    """The new actions of a post, found when first read (live.todo.actions_at: each as its case's verdict lists it
    then): finding number `numbers[i]` owes one for rule column `rules[i]` on event `places[i]`, whose row, arrivals
    and clock are `rows`, `limits`, `now` at that place.  Rows keep their events, and their first `limits` arrivals
    do not change, until their case is closed: the session has them found before (LiveSession._settle)."""

    __slots__ = ("session", "numbers", "places", "rules", "rows", "limits", "now", "_by_number", "__weakref__")

    def __init__(self, session, numbers, places, rules, rows, limits, now) -> None:
        self.session, self.numbers, self.places, self.rules = session, numbers, places, rules
        self.rows, self.limits, self.now = rows, limits, now
        self._by_number: dict[int, dict] | None = None

    def found(self) -> dict[int, dict]:
        """By finding number, its new action."""
        if self._by_number is None:
            from .todo import actions_at

            wanted = np.zeros((len(self.rows), len(self.session.rule_ids)), dtype=bool)
            wanted[self.places, self.rules] = True
            listed = actions_at(self.session, self.rows, self.limits, self.now, wanted)
            self._by_number = {number: listed[key] for number, key in
                               zip(self.numbers.tolist(), zip(self.places.tolist(), self.rules.tolist()))
                               if key in listed}
            self.session._unread.discard(self)
            self.session = None
        return self._by_number

    def get(self, number: int) -> dict | None:
        return self.found().get(number)


class _Taken:
    """What a post_many takes, before it is stored: per event posted its case id and key, the positions of the
    duplicates, and per event taken its row, shape code and instant (lists or arrays); facts and reopened cases."""

    __slots__ = ("case_ids", "keys", "duplicates", "rows", "codes", "ats", "facts", "reopened")

    def __init__(self) -> None:
        self.case_ids, self.keys, self.duplicates = [], [], []
        self.rows, self.codes, self.ats = [], [], []
        self.facts: list[tuple[str, dict]] = []
        self.reopened: list[str] = []


class HeldCase:
    """One held case as the tests and tools read it: its events (time order) and facts."""

    __slots__ = ("events", "facts")

    def __init__(self, events: list[Event], facts: dict) -> None:
        self.events, self.facts = events, facts


class HeldCases(Mapping):
    """The session's held cases by id (built on demand)."""

    def __init__(self, session: LiveSession) -> None:
        self._session = session

    def __getitem__(self, case_id: str) -> HeldCase:
        if case_id not in self._session.book.index:
            raise KeyError(case_id)
        return HeldCase(self._session._events(case_id), dict(self._session.book.facts.get(case_id, {})))

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._session.book.index))

    def __len__(self) -> int:
        return len(self._session.book.index)


def _trimmed(case_id):
    """A case id asked for, as the session keys the ids posted (live.intake.case_key): without the whitespace
    around it."""
    return id_text(case_id) if type(case_id) is str else case_id
