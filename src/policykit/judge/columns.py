"""The numpy side of every backend over columns: a decision table run for many cases at once."""

from __future__ import annotations

import numpy as np

from .status import NO_INSTANT, PENDING

INSTANT_FIELDS = ("trigger_at", "due", "fulfilled_at", "not_before")


def chosen_branches(branches: list, cases: int) -> np.ndarray:
    """Per case, the index of the first branch whose condition holds (the last one holds always)."""
    conditions = [np.broadcast_to(np.asarray(branch.when, dtype=bool), (cases,)) for branch in branches[:-1]]
    return np.select(conditions, np.arange(len(conditions), dtype=np.int8), len(conditions)).astype(np.int8)


def statuses(branches: list, chosen: np.ndarray) -> np.ndarray:
    """The status code of each case's branch."""
    return np.array([branch.status for branch in branches], dtype=np.int8)[chosen]


def per_case(chosen: np.ndarray, values: list, default, dtype) -> np.ndarray:
    """Each case's value from its branch: `values[i]` (a scalar, an array, or None for `default`) for branch i."""
    if not any(isinstance(value, np.ndarray) and value.ndim for value in values):
        # values the same for all of a branch's cases (most branches): one lookup by branch, none when all agree
        scalars = [default if value is None else value for value in values]
        if all(value == scalars[0] for value in scalars):
            return np.full(len(chosen), scalars[0], dtype=dtype)
        return np.array(scalars, dtype=dtype)[chosen]
    out = np.full(len(chosen), default, dtype=dtype)
    for index, value in enumerate(values):
        if value is None:
            continue
        mine = chosen == index
        if mine.any():
            out[mine] = value[mine] if isinstance(value, np.ndarray) and value.ndim else value
    return out


def dues(branches: list, chosen: np.ndarray) -> np.ndarray:
    """Each case's due (µs; NO_INSTANT where its branch has none)."""
    return per_case(chosen, [branch.due for branch in branches], NO_INSTANT, np.int64)


def overdue(branches: list, chosen: np.ndarray) -> np.ndarray:
    """Whether each case's finding is a breach by time alone with its event still owed (SPEC §9)."""
    return per_case(chosen, [branch.overdue if branch.owes else False for branch in branches], False, bool)


def owes(branches: list) -> tuple[str | None, str | None]:
    """The event a rule's findings can owe, and the event an order step must precede (one of each per rule)."""
    owed = [branch for branch in branches if branch.owes]
    return (owed[0].owes, owed[0].before) if owed else (None, None)


def owing(branches: list, chosen: np.ndarray) -> np.ndarray:
    """Whether each case's branch owes an event (pending, or overdue): its to-do list has the rule's action."""
    return per_case(chosen, [(True if branch.status == PENDING else branch.overdue) if branch.owes else False
                             for branch in branches], False, bool)


def made(branches: list, chosen: np.ndarray) -> list[dict]:
    """Each branch's fields over every case (arrays, or values the same for all); a branch no case took has
    none (its lateness and dues are not worked out)."""
    taken = np.bincount(chosen, minlength=len(branches))
    return [branch.fields() if branch.fields is not None and taken[index] else {}
            for index, branch in enumerate(branches)]


def fields(made: list[dict], chosen: np.ndarray) -> dict[str, np.ndarray]:
    """The instants (µs, NO_INSTANT absent) and lateness (-1 absent) of each case's finding."""
    out = {name: per_case(chosen, [f.get(name) for f in made], NO_INSTANT, np.int64) for name in INSTANT_FIELDS}
    out["late"] = per_case(chosen, [f.get("late") for f in made], -1, np.int64)
    units = {f["unit"] for f in made if "unit" in f}
    out["unit"] = units.pop() if units else None
    return out


def case_fields(made: list[dict], branch: int, case: int) -> dict:
    """One case's fields from its branch's: its element of each array (hits stay hits, read by the caller)."""
    return {name: value[case] if isinstance(value, np.ndarray) and value.ndim else value
            for name, value in made[branch].items()}
