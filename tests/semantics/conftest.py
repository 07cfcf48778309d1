"""Shared helpers for the path-equality tests: one case judged by evaluate, batch and live, compared field by field.

Only public entry points are used (`engine.evaluate`, `batch.judge_table`, the CLI, `live.LiveSession`), so that
these tests hold the paths to one meaning whatever the judging core looks like inside.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa

from policykit.case import Case
from policykit.config import AtRisk
from policykit.diagnostics import PolicykitError
from policykit.engine import evaluate
from policykit.verdict import Verdict

EXCEPTIONS = Path(__file__).with_name("path_exceptions.yaml")
ACTION_FIELDS = ("event", "due", "rule", "overdue", "at_risk", "before")


# A clocked replay (`now=` the first event) takes a case's later events weeks ahead of its clock: the live
# lead tolerance (one day by default, tested in tests/robustness) is lifted for these replays.
REPLAY_TOLERANCE = dt.timedelta(days=400 * 365)


def _instant(value: Any) -> dt.datetime | None:
    """An instant from ISO text (evaluate's JSON) or an aware datetime (Parquet): compared as instants."""
    if value is None:
        return None
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _finding(f: dict) -> dict:
    late = f.get("late_by")
    if late is not None and not isinstance(late, dict):  # the table form: amount and unit in two columns
        late = {f["late_unit"]: late}
    return {"kind": f["kind"], "status": f["status"], "due": _instant(f["due"]),
            "trigger_at": _instant(f["trigger_at"]), "fulfilled_at": _instant(f["fulfilled_at"]),
            "not_before": _instant(f["not_before"]), "late_by": late, "reading": f["reading"]}


def _action(a: dict) -> dict:
    return {k: _instant(a[k]) if k == "due" else a[k] for k in ACTION_FIELDS}


def verdict_view(verdict: Verdict) -> dict:
    """What every path must agree on, from an evaluate() verdict."""
    data = verdict.to_json_dict()
    return {"status": data["status"], "policy": data["policy"], "policy_version": data["policy_version"],
            "as_of": _instant(data["as_of"]), "reading": data["reading"],
            "rules": [f["rule"] for f in data["findings"]],
            "findings": {f["rule"]: _finding(f) for f in data["findings"]},
            "required_actions": [_action(a) for a in data["required_actions"]],
            "compensation": {"status": verdict.compensation.status,
                             "unknown_facts": list(verdict.compensation.unknown_facts)}}


def row_view(row: dict) -> dict:
    """The same view of one judge_table / Parquet row."""
    return {"status": row["status"], "policy": row["policy"], "policy_version": row["policy_version"],
            "as_of": row["as_of"], "reading": row["reading"],
            "rules": [f["rule"] for f in row["findings"]],
            "findings": {f["rule"]: _finding(f) for f in row["findings"]},
            "required_actions": [_action(a) for a in row["required_actions"]],
            "compensation": {"status": row["compensation"],
                             "unknown_facts": list(row["compensation_unknown_facts"] or [])}}


def statuses(view: dict) -> dict[str, str]:
    """rule id -> finding status, the form LiveSession.judgement() answers in."""
    return {rule: f["status"] for rule, f in view["findings"].items()}


def differences(expected: Any, got: Any, where: str = "") -> list[tuple[str, Any, Any]]:
    """(dotted field, expected, got) for every leaf where two views differ."""
    if isinstance(expected, dict) and isinstance(got, dict):
        out = []
        for key in list(expected) + [k for k in got if k not in expected]:
            out += differences(expected.get(key, "<absent>"), got.get(key, "<absent>"),
                               f"{where}.{key}" if where else str(key))
        return out
    if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got) and where != "rules":
        return [d for i, (x, y) in enumerate(zip(expected, got)) for d in differences(x, y, f"{where}[{i}]")]
    return [] if expected == got else [(where, expected, got)]


def log_table(case_id: str, events: Iterable[dict], facts: dict[str, bool | None] | None = None) -> pa.Table:
    """A batch log of one case: case_id, type, at, one column per attribute used, one per fact (on every row).

    `events` are mappings as a case file writes them ({type, at, attribute: value...}); `at` stays text, so
    batch parses the very spelling the case file has (offsets, bare dates, Hijri)."""
    events = list(events)
    facts = facts or {}
    attributes = sorted({k for e in events for k in e if k not in ("type", "at")})
    columns: dict[str, pa.Array] = {
        "case_id": pa.array([case_id] * len(events), pa.string()),
        "type": pa.array([e["type"] for e in events], pa.string()),
        "at": pa.array([str(e["at"]) for e in events], pa.string())}
    for name in attributes:
        columns[name] = pa.array([None if e.get(name) is None else str(e[name]) for e in events], pa.string())
    for name, value in facts.items():
        columns[name] = pa.array([value] * len(events), pa.bool_())
    return pa.table(columns)


def live_event(case: Case, event, raw: list[dict] | None) -> dict:
    """The event as posted to a LiveSession: the case file's own mapping when there is one (its `at` text
    as written), else the parsed event; with an id, so two identical events of a case stay two."""
    if raw is not None:
        posted = {k: str(v) for k, v in raw[event.index].items()}
    else:
        posted = {"type": event.type, "at": event.at.isoformat(), **event.attrs}
    posted["id"] = f"{case.case_id}#{event.index}"
    return posted


def listed_variant(name: str) -> bool:
    """Whether path_exceptions.yaml lists the known difference `name` under `variants:`."""
    from policykit.source import load_file

    data = load_file(EXCEPTIONS).data or {}
    return any(entry.get("name") == name for entry in data.get("variants") or [])


# A post that moved a replay's clock past a due once left judgement() behind verdict() at that clock; were it
# listed in path_exceptions.yaml again, live_step would settle the clock (advance to the clock it is at) before
# comparing.  It is not: live_step compares strictly.
POST_PASSES_NO_DUE = "post_moving_the_clock_passes_no_due"


def live_differences(policy, case: Case, as_of: str, reading: str | None, expected: dict,
                     raw: list[dict] | None = None, strict: bool | None = None) -> list[tuple[str, str, Any, Any]]:
    """(path, field, expected, got) of the two live replays against evaluate's view at `as_of`.

    live_replay: a session without a clock, the case's events up to `as_of` posted one at a time in time order;
    after each post `judgement()` must equal evaluate() on the events posted so far at the session's clock
    (`live_step`); then `advance(as_of)`, and `judgement()` and `verdict()` must equal evaluate at `as_of`.
    live_clocked: a session whose clock is injected (`now=` the first event), every event in one post_many,
    then advance(as_of); `judgement()` must equal evaluate's finding statuses.
    `strict`: compare live_step without settling the clock (default: unless POST_PASSES_NO_DUE is listed).
    Events after `as_of` are not posted: a session takes an event as having happened (its clock follows it),
    where evaluate counts only the events up to `as_of` (and notes the others)."""
    from policykit.live import LiveSession

    instant = expected["as_of"]
    seen = [e for e in case.events if e.at <= instant]
    out: list[tuple[str, str, Any, Any]] = []
    if not seen:
        return out
    facts = dict(case.facts) or None
    settle = not strict if strict is not None else listed_variant(POST_PASSES_NO_DUE)
    try:
        out += _replayed(policy, case, seen, instant, reading, expected, raw, facts, settle)
    except PolicykitError as exc:  # a path that refuses a case the reference judges differs from it
        out.append(("live_replay", "error", None, exc.first.code))
    try:
        clocked = LiveSession(policy, now=seen[0].at, reading=reading, future_tolerance=REPLAY_TOLERANCE)
        clocked.post_many([(case.case_id, live_event(case, e, raw), facts) for e in seen])
        clocked.advance(instant)
        out += [("live_clocked", f"judgement.{f}", e, g)
                for f, e, g in differences(statuses(expected), clocked.judgement(case.case_id))]
    except PolicykitError as exc:
        out.append(("live_clocked", "error", None, exc.first.code))
    return out


def _replayed(policy, case: Case, seen: list, instant: dt.datetime, reading: str | None, expected: dict,
              raw: list[dict] | None, facts: dict | None, settle: bool) -> list[tuple[str, str, Any, Any]]:
    """The live_step and live_replay comparisons (see live_differences)."""
    from policykit.live import LiveSession

    out: list[tuple[str, str, Any, Any]] = []
    session = LiveSession(policy, reading=reading, future_tolerance=REPLAY_TOLERANCE)
    for n, event in enumerate(seen, 1):
        session.post(case.case_id, live_event(case, event, raw), facts)
        if settle:
            session.advance(session.now)
        prefix = dataclasses.replace(case, events=tuple(seen[:n]))
        step = statuses(verdict_view(evaluate(policy, prefix, session.now, reading, at_risk=AtRisk())))
        out += [("live_step", f"after event {n}: {f}", e, g)
                for f, e, g in differences(step, session.judgement(case.case_id))]
    session.advance(instant)
    out += [("live_replay", f"judgement.{f}", e, g)
            for f, e, g in differences(statuses(expected), session.judgement(case.case_id))]
    out += [("live_replay", f"verdict.{f}", e, g)
            for f, e, g in differences(expected, verdict_view(session.verdict(case.case_id)))]
    return out


def cli_differences(cases: list[dict], policy_ref: str, as_of: str, reading: str | None,
                    tmp_path: Path) -> list[tuple[str, str, str, Any, Any]]:
    """(case id, path, field, check's value, batch's value): `policykit batch LOG --out v.jsonl` on one log of
    all `cases` against `policykit check CASE --format json` on each case file, key by key, and batch's exit
    code against the worst of check's (cli_jsonl); `--out v.parquet`'s rows against check's verdicts
    (cli_parquet)."""
    import io
    import json

    from policykit.cli import main

    common = ["--policy", policy_ref, "--as-of", as_of] + (["--reading", reading] if reading else [])
    checked, codes = {}, []
    for n, case in enumerate(cases):
        case_file = tmp_path / f"case{n}.json"
        case_file.write_text(json.dumps(case, default=str, ensure_ascii=False), encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        codes.append(main(["check", str(case_file), *common, "--format", "json"], out, err))
        assert codes[-1] in (0, 1), err.getvalue()
        checked[case["case_id"]] = json.loads(out.getvalue())
    log = tmp_path / "log.jsonl"
    with log.open("w", encoding="utf-8") as handle:
        for case in cases:
            for event in case["events"]:
                row = {"case_id": case["case_id"], **{k: str(v) for k, v in event.items()},
                       **(case.get("facts") or {})}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    verdicts = tmp_path / "v.jsonl"
    err = io.StringIO()
    batch_code = main(["batch", str(log), *common, "--out", str(verdicts)], io.StringIO(), err)
    lines = {v["case_id"]: v for v in map(json.loads, verdicts.read_text(encoding="utf-8").splitlines())}
    found = [("*", "cli_jsonl", "exit code", max(codes), batch_code)] if batch_code != max(codes) else []
    for case_id, want in checked.items():
        if not any(c["events"] for c in cases if c["case_id"] == case_id):
            continue  # a case with no events has no row in a log
        if case_id not in lines:
            found.append((case_id, "cli_jsonl", "line", "a line", None))
            continue
        found += [(case_id, "cli_jsonl", field, w, g) for field, w, g in differences(want, lines.pop(case_id))]
    found += [(case_id, "cli_jsonl", "line", None, "a line") for case_id in lines]
    # `--out v.parquet`: its rows against check's verdicts, in the view judge_table rows are compared in
    import pyarrow.parquet as pq

    table = tmp_path / "v.parquet"
    main(["batch", str(log), *common, "--out", str(table)], io.StringIO(), io.StringIO())
    rows = {r["case_id"]: r for r in pq.read_table(table).to_pylist()}
    for case_id, want in checked.items():
        if case_id in rows:
            found += [(case_id, "cli_parquet", field, w, g) for field, w, g in
                      differences(verdict_view(Verdict.model_validate(want)), row_view(rows.pop(case_id)))]
    found += [(case_id, "cli_parquet", "row", None, "a row") for case_id in rows]
    return found


def shared_session_differences(policy, cases: list[Case], as_of: str, reading: str | None,
                               expected: dict[str, dict], late: bool = False) -> list[tuple[str, str, str, Any, Any]]:
    """(case id, "live_shared", field, evaluate's, live's): one clocked session for all `cases`, their events up
    to `as_of` posted in one post_many in time order across cases (ties in file order), then
    advance(as_of); each case's judgement() and verdict() against evaluate at `as_of`.  `late`
    ("live_late"): the clock is first advanced to `as_of` and the events then arrive newest first, each
    after the session has seen later ones (ties in time still in file order: a session orders them as they
    arrive)."""
    from policykit.live import LiveSession

    posted = []
    for case in cases:
        instant = expected[case.case_id]["as_of"]
        posted += [(e.at, n, e.index, case, e) for n, e in enumerate(case.events) if e.at <= instant]
    if not posted:
        return []
    posted.sort(key=lambda item: item[:3])
    found: list[tuple[str, str, str, Any, Any]] = []
    name = "live_late" if late else "live_shared"
    session = LiveSession(policy, now=posted[0][0], reading=reading, future_tolerance=REPLAY_TOLERANCE)
    if late:
        session.advance(as_of)
        # newest first; events at one instant still in file order, which is a session's order for ties
        posted.sort(key=lambda item: (-item[0].timestamp(), item[1], item[2]))
    session.post_many([(case.case_id, live_event(case, e, None), dict(case.facts) or None)
                       for _, _, _, case, e in posted])
    session.advance(as_of)
    for case_id in dict.fromkeys(case.case_id for *_, case, _ in posted):
        found += [(case_id, name, f"judgement.{f}", e, g)
                  for f, e, g in differences(statuses(expected[case_id]), session.judgement(case_id))]
        found += [(case_id, name, f"verdict.{f}", e, g)
                  for f, e, g in differences(expected[case_id], verdict_view(session.verdict(case_id)))]
    return found
