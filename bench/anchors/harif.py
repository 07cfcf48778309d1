"""What both hand-written anchors share: harif's rules as plain data, the as-of instant, the working-day calendar
table built from `holidays`, and the layout of the verdicts Parquet they write (one row per case)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

ZONE = "Asia/Riyadh"
TZ = ZoneInfo(ZONE)
PERIOD_WORKING_DAYS = 15  # ت-٦: «لا تتجاوز (١٥) يوم عمل من تاريخ اكتمال الطلب»
AT_RISK_FRACTION, AT_RISK_WORKING_DAYS = 0.2, 2  # SPEC §9's default warning window
WORK_WEEK = {6, 0, 1, 2, 3}  # Sunday to Thursday (date.weekday(): Monday is 0)

DEADLINE = "respond_within_15_working_days"
CHANNEL = "decision_via_agreed_channel"
OBLIGATION = "resolve_complaints"
# policies/harif.yaml's order rules: rule -> (first, then)
ORDERS = {
    "verify_before_committee": ("data_verified", "referred_to_committee"),
    "declaration_before_committee": ("declaration_signed", "referred_to_committee"),
    "inform_before_decision": ("applicant_informed", "decision_notified"),
    "requirements_before_committee": ("requirements_explained", "referred_to_committee"),
    "completion_before_committee": ("request_completed", "referred_to_committee"),
}
RULES = [DEADLINE, *ORDERS, CHANNEL, OBLIGATION]
# the event types whose first occurrence per case the rules read
FIRSTS = sorted({t for pair in ORDERS.values() for t in pair} |
                {"request_received", "decision_notified", "complaint_received", "case_closed"})
# The to-do list's order (SPEC §9: overdue first, then by due, open-ended last, then rule id) is fixed for harif:
# only the deadline's action has a due, so it comes first, then the open-ended ones by rule id.
UNDATED_ACTIONS = sorted([*ORDERS, OBLIGATION])
# the columns each rule's finding has in the anchors' output (`<rule>.<field>`); only the deadline has due/late_by
FIELDS = {rule: ("status", "trigger_at", "fulfilled_at") for rule in RULES}
FIELDS[DEADLINE] = ("status", "trigger_at", "due", "fulfilled_at", "late_by")


def as_of_instant(text: str) -> dt.datetime:
    """An ISO instant; without an offset it is Riyadh local time, and a bare date is the start of that local day."""
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=TZ)


def calendar_rows(first_year: int, last_year: int) -> dict[str, list]:
    """One row per day of the years: the date, whether it is a working day (Sunday to Thursday and not a date
    holidays.SaudiArabia lists, observed days included), and the running count of working days through it."""
    import holidays

    closed = set(holidays.SaudiArabia(years=range(first_year, last_year + 1)).keys())
    day, end = dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)
    days, working, cum, count = [], [], [], 0
    while day <= end:
        open_ = day.weekday() in WORK_WEEK and day not in closed
        count += open_
        days.append(day)
        working.append(open_)
        cum.append(count)
        day += dt.timedelta(days=1)
    return {"day": days, "working": working, "cum": cum}


def calendar_years(first: dt.datetime, last: dt.datetime, as_of: dt.datetime) -> tuple[int, int]:
    """The years the calendar table must cover: from the log's first event to a year past its last and as_of
    (dues run 15 working days, about three weeks, past their trigger)."""
    return first.astimezone(TZ).year - 1, max(last, as_of).astimezone(TZ).year + 1
