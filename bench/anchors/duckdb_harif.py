"""harif's rules as one DuckDB SQL query over the Parquet event log, as a data engineer would write them by hand:
per case its status, each rule's status, trigger, due, fulfilment and lateness, and the required actions."""

from __future__ import annotations

from .harif import (AT_RISK_FRACTION, AT_RISK_WORKING_DAYS, CHANNEL, DEADLINE, FIELDS, FIRSTS, OBLIGATION, ORDERS,
                    RULES, PERIOD_WORKING_DAYS, TZ, UNDATED_ACTIONS, ZONE, as_of_instant, calendar_rows,
                    calendar_years)

# An event is keyed by (at, row in the file): "first" and "after" follow time, and the file's order for ties.
EVENTS = """
SELECT case_id, {'t': "at", 'r': file_row_number} AS k, channel, agreed_channel,
       CASE WHEN "at" <= $as_of THEN CAST("type" AS VARCHAR) END AS type  -- events after as_of count for nothing
FROM read_parquet($log, file_row_number = true)
"""

FIRST = "min(k) FILTER (type = '{0}') AS \"{0}\""


def _order(rule: str, first: str, then: str) -> str:
    """An order rule: `first` before the first `then`; while `then` is awaited, `first` is owed on an open case."""
    return f"""
    CASE WHEN "{then}" IS NULL THEN
              CASE WHEN "{first}" IS NOT NULL OR case_closed IS NOT NULL THEN 'not_applicable' ELSE 'pending' END
         WHEN "{first}" < "{then}" THEN 'met' ELSE 'breached' END AS "{rule}.status",
    CASE WHEN "{first}" < "{then}" THEN "{first}".t END AS "{rule}.trigger_at",
    "{then}".t AS "{rule}.fulfilled_at",
    CASE WHEN "{then}" IS NULL AND "{first}" IS NULL AND case_closed IS NULL
         THEN {{'event': '{first}', 'due': NULL::TIMESTAMPTZ, 'rule': '{rule}', 'at_risk': false,
                'overdue': false, 'before': '{then}'}} END AS "{rule}.action"
"""


def _local_date(expr: str) -> str:
    return f"CAST(timezone('{ZONE}', {expr}) AS DATE)"


def query() -> str:
    """The whole query: events, first occurrences per case, the later events that answer them, the findings."""
    firsts = ",\n    ".join(FIRST.format(t) for t in FIRSTS)
    orders = ",".join(_order(rule, first, then) for rule, (first, then) in ORDERS.items())
    statuses = [f'"{rule}.status"' for rule in RULES]
    actions = ", ".join(f'"{rule}.action"' for rule in UNDATED_ACTIONS)
    any_is = lambda s: " OR ".join(f"{c} = '{s}'" for c in statuses)  # noqa: E731
    return f"""
WITH ev AS ({EVENTS}),
firsts AS (
  SELECT case_id,
    {firsts},
    arg_min_null(agreed_channel, k) FILTER (type = 'request_received') AS agreed,
    arg_min_null(channel, k) FILTER (type = 'decision_notified') AS used
  FROM ev GROUP BY case_id
),
-- the case's first closure, wherever it falls (a completion or complaint recorded after it owes nothing)
closes AS (
  SELECT f.case_id,
    min(e.k) FILTER (f.request_completed IS NOT NULL) AS deadline_closed,
    min(e.k) FILTER (f.complaint_received IS NOT NULL) AS complaint_closed
  FROM firsts f JOIN ev e USING (case_id)
  WHERE e.type = 'case_closed' AND (f.request_completed IS NOT NULL OR f.complaint_received IS NOT NULL)
  GROUP BY f.case_id
),
-- the first decision after the first completion, the last resolution of a complaint: before the closure
-- (nothing fulfils after case_closed)
later AS (
  SELECT f.case_id,
    min(e.k) FILTER (e.type = 'decision_notified' AND e.k > f.request_completed
                     AND (c.deadline_closed IS NULL OR e.k < c.deadline_closed)) AS answer,
    any_value(c.deadline_closed) AS deadline_closed,
    max(e.k) FILTER (e.type = 'complaint_resolved'
                     AND (c.complaint_closed IS NULL OR e.k < c.complaint_closed)) AS resolved,
    any_value(c.complaint_closed) AS complaint_closed
  FROM firsts f JOIN ev e USING (case_id) LEFT JOIN closes c USING (case_id)
  WHERE e.type IN ('decision_notified', 'case_closed', 'complaint_resolved')
    AND (f.request_completed IS NOT NULL OR f.complaint_received IS NOT NULL)
  GROUP BY f.case_id
),
-- every complaint is owed a resolution after it: the one owed is the first complaint after the last resolution
-- (after the closure too: it owes nothing then, breached at the closure); none after it, every one was resolved
owed AS (
  SELECT l.case_id, min(e.k) AS owed
  FROM later l JOIN ev e USING (case_id)
  WHERE e.type = 'complaint_received' AND e.k > l.resolved
  GROUP BY l.case_id
),
timed AS (  -- the deadline on the working-day calendar: due = end of the 15th working day after the local date
  SELECT f.*, l.answer, l.deadline_closed, l.resolved, l.complaint_closed, o.owed,
    f.complaint_received IS NOT NULL AND l.resolved IS NOT NULL AND o.owed IS NULL AS handled,
    timezone('{ZONE}', w.day + INTERVAL '23:59:59') AS due, w.cum AS due_cum,
    coalesce(l.deadline_closed.t, $as_of) AS stop,  -- a closure stops the clock; else as_of does
    a.cum + (NOT a.working)::INT AS answer_cum  -- an answer on a closed day counts from the next working day
  FROM firsts f
  LEFT JOIN later l USING (case_id)
  LEFT JOIN owed o USING (case_id)
  LEFT JOIN cal c ON c.day = {_local_date('f.request_completed.t')}
  LEFT JOIN cal w ON w.working AND w.cum = c.cum + {PERIOD_WORKING_DAYS}
  LEFT JOIN cal a ON a.day = {_local_date('l.answer.t')}
),
judged AS (
  SELECT t.*,
    CASE WHEN request_completed IS NULL THEN 'not_applicable'
         WHEN answer IS NOT NULL AND answer.t <= due THEN 'met'
         WHEN answer IS NOT NULL THEN 'breached'
         WHEN stop > due THEN 'breached'
         WHEN deadline_closed IS NOT NULL THEN 'breached'  -- closed before its due without the answer
         ELSE 'pending' END AS "{DEADLINE}.status",
    request_completed.t AS "{DEADLINE}.trigger_at",
    due AS "{DEADLINE}.due",
    answer.t AS "{DEADLINE}.fulfilled_at",
    CASE WHEN answer.t > due THEN greatest(1, answer_cum - due_cum)
         WHEN answer IS NULL AND stop > due THEN greatest(1, s.cum + (NOT s.working)::INT - due_cum)  -- overdue
    END AS "{DEADLINE}.late_by",
    request_completed IS NOT NULL AND answer IS NULL AND deadline_closed IS NULL AND $as_of > due AS overdue,
    {orders},
    CASE WHEN decision_notified IS NULL OR agreed IS NULL THEN 'not_applicable'
         WHEN used IS NULL THEN 'undetermined'
         WHEN used = agreed THEN 'met' ELSE 'breached' END AS "{CHANNEL}.status",
    CASE WHEN decision_notified IS NOT NULL AND agreed IS NOT NULL THEN request_received.t END
      AS "{CHANNEL}.trigger_at",
    CASE WHEN agreed IS NOT NULL THEN decision_notified.t END AS "{CHANNEL}.fulfilled_at",
    CASE WHEN complaint_received IS NULL THEN 'not_applicable'
         WHEN handled THEN 'met'
         WHEN complaint_closed IS NOT NULL THEN 'breached'
         ELSE 'pending' END AS "{OBLIGATION}.status",
    coalesce(owed, complaint_received).t AS "{OBLIGATION}.trigger_at",
    CASE WHEN handled THEN resolved.t END AS "{OBLIGATION}.fulfilled_at",
    CASE WHEN complaint_received IS NOT NULL AND NOT coalesce(handled, false) AND complaint_closed IS NULL
         THEN {{'event': 'complaint_resolved', 'due': NULL::TIMESTAMPTZ, 'rule': '{OBLIGATION}', 'at_risk': false,
                'overdue': false, 'before': NULL::VARCHAR}} END AS "{OBLIGATION}.action"
  FROM timed t
  LEFT JOIN cal s ON s.day = {_local_date('t.stop')}
)
SELECT case_id,
  CASE WHEN {any_is('breached')} THEN 'non_compliant' WHEN {any_is('undetermined')} THEN 'undetermined'
       WHEN {any_is('pending')} THEN 'in_progress' ELSE 'compliant' END AS status,
  {", ".join(f'"{rule}.{field}"' for rule in RULES for field in FIELDS[rule])},
  list_filter([
    CASE WHEN "{DEADLINE}.status" = 'pending' OR overdue THEN
      {{'event': 'decision_notified', 'due': due, 'rule': '{DEADLINE}',
       -- at risk: the last fifth of the window, or two working days left counting today and the due day
       'at_risk': NOT overdue AND (
         (epoch_us(due) - epoch_us(request_completed.t) > 0
          AND epoch_us(due) - epoch_us($as_of) <= {AT_RISK_FRACTION} * (epoch_us(due) - epoch_us(request_completed.t)))
         OR due_cum - $today_cum + $today_working <= {AT_RISK_WORKING_DAYS}),
       'overdue': overdue, 'before': NULL::VARCHAR}} END,
    {actions}], lambda x: x IS NOT NULL) AS required_actions
FROM judged
"""


def judge(log: str, out: str, as_of_text: str) -> int:
    """Judge every case of the Parquet `log` as of `as_of_text` and write one row per case to `out`."""
    import duckdb
    import pyarrow as pa

    as_of = as_of_instant(as_of_text)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    first, last = con.execute('SELECT min("at"), max("at") FROM read_parquet($log)', {"log": log}).fetchall()[0]
    years = calendar_years(first, last, as_of)
    con.register("cal", pa.table(calendar_rows(*years)))  # the working-day table the query joins
    today = as_of.astimezone(TZ).date()
    row = con.execute("SELECT cum, working FROM cal WHERE day = $d", {"d": today}).fetchall()[0]
    params = {"log": log, "as_of": as_of, "today_cum": row[0], "today_working": int(row[1])}
    con.execute(f"COPY ({query()}) TO '{_quoted(out)}' (FORMAT parquet)", params)
    return con.execute(f"SELECT count(*) FROM read_parquet('{_quoted(out)}')").fetchall()[0][0]


def _quoted(path: str) -> str:
    return path.replace("'", "''")
