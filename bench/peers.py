"""The peers the benchmark compares with, each run as its own process on the same Parquet log:
durable-rules (one session per case, state deleted after each) and pm4py's Declare conformance checker."""

from __future__ import annotations

import json
import sys
import time

HARIF_ORDER = [("data_verified", "referred_to_committee"), ("declaration_signed", "referred_to_committee"),
               ("applicant_informed", "decision_notified")]


def _load(path: str):
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["case_id", "type", "at", "channel", "agreed_channel"])
    return table.sort_by([("case_id", "ascending"), ("at", "ascending")])


def durable(path: str) -> dict:
    """harif's order and channel rules (and the deadline as 21 calendar days: durable has no working-day
    calendar) in durable-rules; every case is its own session, deleted once its events are in."""
    from durable.lang import c, get_host, m, none, ruleset, when_all

    table = _load(path)
    started = time.perf_counter()
    findings = []
    with ruleset("peer_harif"):
        for first, then in HARIF_ORDER:
            when_all(none(m.type == first), c.t << (m.type == then))(
                lambda c, rule=f"{first}->{then}": findings.append(rule))
        when_all(c.r << (m.type == "request_received") & (m.agreed_channel != None),  # noqa: E711
                 c.d << (m.type == "decision_notified") & (m.channel != c.r.agreed_channel))(
            lambda c: findings.append("channel"))
        when_all(c.q << (m.type == "request_completed"),
                 c.d << (m.type == "decision_notified") & (m.t > c.q.t + 21 * 86400))(
            lambda c: findings.append("deadline"))
        # every fact must match some rule: durable-rules crashes deleting a session none of whose facts matched
        when_all(+m.type)(lambda c: None)
    host = get_host()
    ids = table.column("case_id").to_pylist()
    types = table.column("type").cast("string").to_pylist()
    times = table.column("at").cast("int64").to_pylist()
    channels = table.column("channel").to_pylist()
    agreed = table.column("agreed_channel").to_pylist()
    parsed = time.perf_counter()
    previous = None
    for i, case_id in enumerate(ids):
        if case_id != previous and previous is not None:
            host.delete_state("peer_harif", previous)
        previous = case_id
        fact = {"sid": case_id, "type": types[i], "t": times[i], "n": i}
        if channels[i]:
            fact["channel"] = channels[i]
        if agreed[i]:
            fact["agreed_channel"] = agreed[i]
        try:
            host.assert_fact("peer_harif", fact)
        except Exception:  # durable raises when no rule matches the fact
            pass
    if previous is not None:
        host.delete_state("peer_harif", previous)
    done = time.perf_counter()
    return {"events": len(ids), "compute_seconds": done - parsed, "load_seconds": parsed - started,
            "findings": len(findings)}


def pm4py_declare(path: str) -> dict:
    """harif's order rules as Declare `precedence` constraints, checked by pm4py (it has no deadlines)."""
    import pm4py

    table = _load(path)
    frame = table.select(["case_id", "type", "at"]).to_pandas()
    frame.columns = ["case:concept:name", "concept:name", "time:timestamp"]
    frame["concept:name"] = frame["concept:name"].astype(str)
    started = time.perf_counter()
    model = {"precedence": {pair: {"support": 1.0, "confidence": 1.0} for pair in HARIF_ORDER}}
    result = pm4py.conformance_declare(frame, model, return_diagnostics_dataframe=True)
    done = time.perf_counter()
    return {"events": len(frame), "compute_seconds": done - started,
            "findings": int((result["no_dev_total"] > 0).sum())}


if __name__ == "__main__":
    which, log = sys.argv[1], sys.argv[2]
    print(json.dumps(durable(log) if which == "durable" else pm4py_declare(log)))
