"""The one status enumeration, the case-status precedence, the at-risk rule and the to-do rule (SPEC §7, §9)."""

from __future__ import annotations

# finding statuses as codes; 0: not judged yet (a live session's rule no event has touched)
NOT_JUDGED, NOT_APPLICABLE, UNDETERMINED, PENDING, MET, BREACHED = range(6)
STATUSES = ("not_applicable", "undetermined", "pending", "met", "breached")
NAMES = (None, *STATUSES)  # a code's name: NAMES[code]
CODES = {name: code for code, name in enumerate(NAMES) if name}
NO_INSTANT = (1 << 63) - 1  # an instant (µs) that is absent: a due without a trigger, an event that did not occur

# SPEC §7: a case takes the status of its most severe finding
CASE_STATUSES = ("compliant", "in_progress", "undetermined", "non_compliant")
_SEVERITY = {PENDING: 1, UNDETERMINED: 2, BREACHED: 3}


def case_status(statuses) -> str:
    """SPEC §7 precedence over finding status names: breached > undetermined > pending > compliant."""
    return CASE_STATUSES[max((_SEVERITY.get(CODES[s], 0) for s in statuses), default=0)]


def case_status_codes(codes):
    """The same precedence over a (rules, cases) numpy array of codes: indices into CASE_STATUSES."""
    import numpy as np

    out = np.zeros(codes.shape[1], dtype=np.int8)
    for code, severity in sorted(_SEVERITY.items(), key=lambda item: item[1]):
        out[(codes == code).any(axis=0)] = severity
    return out


def owed(status, overdue):
    """SPEC §9: an action is owed while the finding is pending, or breached by time alone with its event still to
    happen (overdue); works on codes and on numpy arrays of them."""
    return (status == PENDING) | overdue


def at_risk(trigger, due, as_of, working_days_left, fraction: float, working_days: int):
    """SPEC §9's warning window: the last `fraction` of trigger→due, or its last `working_days` working days
    (instants in µs; scalars or numpy arrays alike)."""
    window = due - trigger
    return ((window > 0) & ((due - as_of) <= fraction * window)) | (working_days_left <= working_days)


def action_order(overdue: bool, due: int | None, rule: str) -> tuple:
    """SPEC §9's order of the to-do list: overdue first, then by due (open-ended last), then rule id."""
    return (not overdue, NO_INSTANT if due is None else due, rule)
