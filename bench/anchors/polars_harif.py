"""harif's rules as one Polars lazy query over the Parquet event log, as a data engineer would write them by hand:
per case its status, each rule's status, trigger, due, fulfilment and lateness, and the required actions."""

from __future__ import annotations

import datetime as dt

from .harif import (AT_RISK_FRACTION, AT_RISK_WORKING_DAYS, CHANNEL, DEADLINE, FIELDS, FIRSTS, OBLIGATION, ORDERS,
                    RULES, PERIOD_WORKING_DAYS, TZ, UNDATED_ACTIONS, ZONE, as_of_instant, calendar_rows,
                    calendar_years)

US = ("us", "UTC")


def query(log: str, as_of: dt.datetime, cal, today_cum: int, today_working: int):
    """The lazy query: events in (time, file) order, first occurrences per case, then the findings."""
    import polars as pl

    now = pl.lit(as_of.astimezone(dt.timezone.utc)).cast(pl.Datetime(*US))
    events = (pl.scan_parquet(log).with_row_index("row")
              .select("case_id", "row", "channel", "agreed_channel",
                      pl.col("at").dt.convert_time_zone("UTC").cast(pl.Datetime(*US)),
                      # events after as_of count for nothing
                      type=pl.when(pl.col("at").dt.convert_time_zone("UTC") <= now)
                      .then(pl.col("type").cast(pl.String)))
              .sort("at", "row")  # a tie in time keeps the file's order: positions follow (time, file order)
              .with_row_index("pos")
              .collect().lazy())  # read and sorted once, for the four aggregations below
    is_ = lambda t: pl.col("type") == t  # noqa: E731
    # per case, the position and instant of the first event of each type (the least position has the least instant)
    firsts = (events.select("case_id", *[pl.when(is_(t)).then(pl.col("pos")).alias(t) for t in FIRSTS],
                            *[pl.when(is_(t)).then(pl.col("at")).alias(f"{t}@") for t in FIRSTS])
              .group_by("case_id").agg(pl.all().min()))
    # the agreed channel recorded at the first reception, the channel of the first decision (a group keeps its
    # rows' order, so the first row of a type is its first event)
    agreed = events.filter(is_("request_received")).group_by("case_id").agg(agreed=pl.col("agreed_channel").first())
    used = events.filter(is_("decision_notified")).group_by("case_id").agg(used=pl.col("channel").first())
    # the case's first closure, wherever it falls (a completion or complaint recorded after it owes nothing),
    # for the deadline and for the complaint
    closings = {"deadline_closed": "request_completed", "complaint_closed": "complaint_received"}
    after_ = lambda earlier: pl.col("pos") > pl.col(earlier)  # noqa: E731
    closes = (events.filter(is_("case_closed"))
              .join(firsts.select("case_id", "request_completed", "complaint_received"), on="case_id")
              .select("case_id", *[pl.when(pl.col(e).is_not_null()).then(pl.col("pos")).alias(n)
                                   for n, e in closings.items()],
                      *[pl.when(pl.col(e).is_not_null()).then(pl.col("at")).alias(f"{n}@")
                        for n, e in closings.items()])
              .group_by("case_id").agg(pl.all().min()))
    # the first decision after the first completion: before the closure (nothing fulfils after case_closed)
    fulfils = {"answer": ("decision_notified", "request_completed", "deadline_closed")}
    hit = lambda t, earlier, closed: (is_(t) & after_(earlier)  # noqa: E731
                                      & (pl.col(closed).is_null() | (pl.col("pos") < pl.col(closed))))
    later = (events.filter(is_("decision_notified"))
             .join(firsts.select("case_id", "request_completed", "complaint_received"), on="case_id")
             .join(closes.select("case_id", *closings), on="case_id", how="left")
             .select("case_id", *[pl.when(hit(*how)).then(pl.col("pos")).alias(n) for n, how in fulfils.items()],
                     *[pl.when(hit(*how)).then(pl.col("at")).alias(f"{n}@") for n, how in fulfils.items()])
             .group_by("case_id").agg(pl.all().min())
             .join(closes, on="case_id", how="full", coalesce=True))
    # every complaint is owed a resolution after it: the last resolution before the closure, then the first
    # complaint after it (after the closure too: it owes nothing then, breached at the closure) is the one owed
    resolved = (events.filter(is_("complaint_resolved"))
                .join(firsts.select("case_id", "case_closed"), on="case_id")
                .filter(pl.col("case_closed").is_null() | (pl.col("pos") < pl.col("case_closed")))
                .group_by("case_id").agg(resolved=pl.col("pos").max(), **{"resolved@": pl.col("at").max()}))
    owed = (events.filter(is_("complaint_received")).join(resolved, on="case_id")
            .filter(pl.col("pos") > pl.col("resolved"))
            .group_by("case_id").agg(owed=pl.col("pos").min(), **{"owed@": pl.col("at").min()}))
    per_case = (firsts.join(agreed, on="case_id", how="left").join(used, on="case_id", how="left")
                .join(later, on="case_id", how="left").join(resolved, on="case_id", how="left")
                .join(owed, on="case_id", how="left"))
    calendar = cal.lazy()
    workdays = calendar.filter("working").select(due_day="day", due_cum="cum")
    local = lambda c: pl.col(c).dt.convert_time_zone(ZONE).dt.date()  # noqa: E731
    dated = (per_case
             .with_columns(completed_day=local("request_completed@"),
                           stop=pl.coalesce("deadline_closed@", now),  # a closure stops the clock
                           answer_day=local("answer@"))
             .with_columns(stop_day=local("stop"))
             .join(calendar.select(completed_day="day", completed_cum="cum"), on="completed_day", how="left")
             .with_columns(due_cum=pl.col("completed_cum") + PERIOD_WORKING_DAYS)
             .join(workdays, on="due_cum", how="left")
             # an answer (or the stop) on a closed day counts from the next working day
             .join(calendar.select(answer_day="day", answer_cum=pl.col("cum") + (~pl.col("working")).cast(pl.Int32)),
                   on="answer_day", how="left")
             .join(calendar.select(stop_day="day", stop_cum=pl.col("cum") + (~pl.col("working")).cast(pl.Int32)),
                   on="stop_day", how="left")
             .with_columns(due=(pl.col("due_day").cast(pl.Datetime("us"))
                                + pl.duration(hours=23, minutes=59, seconds=59))
                           .dt.replace_time_zone(ZONE).dt.convert_time_zone("UTC")))
    judged = dated.select("case_id", *_findings(pl, now))
    actions = _actions(pl, judged, now, today_cum, today_working)
    return (judged.select("case_id", _case_status(pl), *[f"{r}.{f}" for r in RULES for f in FIELDS[r]])
            .join(actions, on="case_id", how="left", maintain_order="left"))


def _findings(pl, now):
    """Every rule's columns, from the per-case first occurrences."""
    completed, answer, due = pl.col("request_completed"), pl.col("answer"), pl.col("due")
    closed_early = pl.col("deadline_closed")
    out = [
        pl.when(completed.is_null()).then(pl.lit("not_applicable"))
        .when(answer.is_not_null() & (pl.col("answer@") <= due)).then(pl.lit("met"))
        .when(answer.is_not_null()).then(pl.lit("breached"))
        .when(pl.col("stop") > due).then(pl.lit("breached"))
        .when(closed_early.is_not_null()).then(pl.lit("breached"))  # closed before its due without the answer
        .otherwise(pl.lit("pending")).alias(f"{DEADLINE}.status"),
        pl.col("request_completed@").alias(f"{DEADLINE}.trigger_at"),
        due.alias(f"{DEADLINE}.due"),
        pl.col("answer@").alias(f"{DEADLINE}.fulfilled_at"),
        pl.when(pl.col("answer@") > due).then(pl.max_horizontal(pl.lit(1), pl.col("answer_cum") - pl.col("due_cum")))
        .when(answer.is_null() & (pl.col("stop") > due))
        .then(pl.max_horizontal(pl.lit(1), pl.col("stop_cum") - pl.col("due_cum")))
        .cast(pl.Int64).alias(f"{DEADLINE}.late_by"),
        (completed.is_not_null() & answer.is_null() & closed_early.is_null() & (now > due)).alias("overdue"),
        pl.col("request_completed@").alias("trigger"), due, pl.col("due_cum"),
    ]
    for rule, (first, then) in ORDERS.items():
        f, t = pl.col(first), pl.col(then)
        in_order = f.is_not_null() & t.is_not_null() & (f < t)
        out += [
            pl.when(t.is_null()).then(
                pl.when(f.is_not_null() | pl.col("case_closed").is_not_null())
                .then(pl.lit("not_applicable")).otherwise(pl.lit("pending")))
            .when(in_order).then(pl.lit("met")).otherwise(pl.lit("breached")).alias(f"{rule}.status"),
            pl.when(in_order).then(pl.col(f"{first}@")).alias(f"{rule}.trigger_at"),
            pl.col(f"{then}@").alias(f"{rule}.fulfilled_at"),
        ]
    agreed, used, decision = pl.col("agreed"), pl.col("used"), pl.col("decision_notified")
    handled = (pl.col("complaint_received").is_not_null() & pl.col("resolved").is_not_null()
               & pl.col("owed").is_null())  # every complaint has a resolution after it
    judged = decision.is_not_null() & agreed.is_not_null()
    out += [
        pl.when(~judged).then(pl.lit("not_applicable")).when(used.is_null()).then(pl.lit("undetermined"))
        .when(used == agreed).then(pl.lit("met")).otherwise(pl.lit("breached")).alias(f"{CHANNEL}.status"),
        pl.when(judged).then(pl.col("request_received@")).alias(f"{CHANNEL}.trigger_at"),
        pl.when(judged).then(pl.col("decision_notified@")).alias(f"{CHANNEL}.fulfilled_at"),
        pl.when(pl.col("complaint_received").is_null()).then(pl.lit("not_applicable"))
        .when(handled).then(pl.lit("met"))
        .when(pl.col("complaint_closed").is_not_null()).then(pl.lit("breached"))
        .otherwise(pl.lit("pending")).alias(f"{OBLIGATION}.status"),
        pl.coalesce("owed@", "complaint_received@").alias(f"{OBLIGATION}.trigger_at"),
        pl.when(handled).then(pl.col("resolved@")).alias(f"{OBLIGATION}.fulfilled_at"),
    ]
    return out


def _case_status(pl):
    """SPEC §7: breached > undetermined > pending > compliant."""
    statuses = [pl.col(f"{r}.status") for r in RULES]
    has = lambda s: pl.any_horizontal([c == s for c in statuses])  # noqa: E731
    return (pl.when(has("breached")).then(pl.lit("non_compliant")).when(has("undetermined"))
            .then(pl.lit("undetermined")).when(has("pending")).then(pl.lit("in_progress"))
            .otherwise(pl.lit("compliant")).alias("status"))


def _actions(pl, judged, now, today_cum: int, today_working: int):
    """SPEC §9's to-do list per case, in its order (overdue first, then by due, open-ended last, then rule id):
    one row per owed action, gathered into a list per case (cases owing nothing get none)."""
    due, overdue = pl.col("due"), pl.col("overdue")
    window = (due - pl.col("trigger")).dt.total_microseconds()
    left = (due - now).dt.total_microseconds()
    working_left = pl.col("due_cum") - today_cum + today_working  # counting today and the due day
    at_risk = ~overdue & (((window > 0) & (left <= AT_RISK_FRACTION * window)) | (working_left <= AT_RISK_WORKING_DAYS))
    no_due = pl.lit(None, dtype=pl.Datetime(*US))
    owed = [judged.filter((pl.col(f"{DEADLINE}.status") == "pending") | overdue).select(
        "case_id", rank=pl.lit(0, dtype=pl.Int8), event=pl.lit("decision_notified"), due=due,
        rule=pl.lit(DEADLINE), at_risk=at_risk, overdue=overdue, before=pl.lit(None, dtype=pl.String))]
    for rank, rule in enumerate(UNDATED_ACTIONS, 1):  # the deadline's is the only action with a due: it comes first
        event, before = ("complaint_resolved", None) if rule == OBLIGATION else ORDERS[rule]
        owed.append(judged.filter(pl.col(f"{rule}.status") == "pending").select(
            "case_id", rank=pl.lit(rank, dtype=pl.Int8), event=pl.lit(event), due=no_due, rule=pl.lit(rule),
            at_risk=pl.lit(False), overdue=pl.lit(False), before=pl.lit(before, dtype=pl.String)))
    return pl.concat(owed).group_by("case_id").agg(
        required_actions=pl.struct("event", "due", "rule", "at_risk", "overdue", "before").sort_by("rank"))


def judge(log: str, out: str, as_of_text: str) -> int:
    """Judge every case of the Parquet `log` as of `as_of_text` and write one row per case to `out`."""
    import polars as pl

    as_of = as_of_instant(as_of_text)
    bounds = pl.scan_parquet(log).select(pl.col("at").min().alias("first"), pl.col("at").max().alias("last")).collect()
    cal = pl.DataFrame(calendar_rows(*calendar_years(bounds["first"][0], bounds["last"][0], as_of)),
                       schema={"day": pl.Date, "working": pl.Boolean, "cum": pl.Int32})
    today = cal.filter(pl.col("day") == as_of.astimezone(TZ).date())
    verdicts = query(log, as_of, cal, today["cum"][0], int(today["working"][0])).collect(engine="in-memory")
    verdicts.write_parquet(out)
    return verdicts.height
