"""SPEC §4 through every path: the zone as the tz database has it for each date (Asia/Riyadh was UTC+03:06:52
before 1947), and instants printed with their fractions of a second, in evaluate, batch (every format) and live."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from policykit.batch.runner import run_batch
from policykit.case import case_from_data
from policykit.engine import evaluate
from policykit.live import LiveSession
from policykit.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
RULE = "respond_within_two_weeks"
COLUMNS = ["case_id", "type", "at", "outcome"]


def _write_log(path: Path, cases: dict[str, list[tuple[str, str]]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for case_id, events in cases.items():
            for kind, at in events:
                writer.writerow([case_id, kind, at, "approved" if kind == "decision_notified" else ""])


def _instant(value) -> dt.datetime | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def _utc(instant: dt.datetime | None) -> dt.datetime | None:
    return instant.astimezone(dt.timezone.utc) if instant is not None else None


def _reference(policy, cases, as_of) -> dict:
    """(status, due, fulfilled_at) of the deadline per case from evaluate()."""
    out = {}
    for case_id, events in cases.items():
        case = case_from_data({"case_id": case_id, "policy": policy.id,
                               "events": [{"type": k, "at": a, **({"outcome": "approved"}
                                                                  if k == "decision_notified" else {})}
                                          for k, a in events]}, policy)
        verdict = evaluate(policy, case, as_of)
        finding = next(f for f in verdict.findings if f.rule == RULE)
        out[case_id] = (finding.status, _instant(finding.due), _instant(finding.fulfilled_at), finding.fulfilled_at)
    return out


def _batch(tmp_path: Path, log: Path, policy_ref: str, as_of: str, fmt: str, fast: bool = True) -> dict:
    out = tmp_path / f"v-{fmt}-{fast}.{fmt}"
    run_batch(log, policy_ref, as_of, out=str(out), workers=1, fast=fast)
    found = {}
    if fmt == "jsonl":
        for line in out.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            f = next(f for f in row["findings"] if f["rule"] == RULE)
            found[row["case_id"]] = (f["status"], _instant(f.get("due")), _instant(f.get("fulfilled_at")),
                                     f.get("fulfilled_at"))
    elif fmt == "parquet":
        for row in pq.read_table(out).to_pylist():
            f = next(f for f in row["findings"] if f["rule"] == RULE)
            # in UTC: an instant of a repeated hour in the zone (a fall-back) never equals one of another zone
            # (PEP 495), so the zone's own datetimes are compared as instants
            found[row["case_id"]] = (f["status"], _utc(f["due"]), _utc(f["fulfilled_at"]), f["fulfilled_at"])
    elif fmt == "csv":
        with out.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                found[row["case_id"]] = (row[f"{RULE}.status"], _instant(row[f"{RULE}.due"]),
                                         _instant(row[f"{RULE}.fulfilled_at"]), row[f"{RULE}.fulfilled_at"])
    return found


def _live(policy, cases, as_of) -> dict:
    session = LiveSession(policy)
    dues = {}
    for case_id, events in sorted(cases.items()):
        for kind, at in sorted(events, key=lambda e: _instant(e[1])):
            change = session.post(case_id, {"type": kind, "at": at,
                                            **({"outcome": "approved"} if kind == "decision_notified" else {})})
            for f in change.findings:
                if f["rule"] == RULE and f.get("due"):
                    dues[case_id] = _instant(f["due"])
    session.advance(as_of)
    return {case_id: (session.judgement(case_id).get(RULE), dues.get(case_id)) for case_id in cases}


# 1940-03-04 is a Monday: 00:03 local (LMT +03:06:52) is still 3 March at a fixed +03:00, one working day earlier
SADDAD_1940 = {"S-1940": [("referred_to_committee", "1940-03-04T00:03:00"),
                          ("decision_notified", "1940-03-18T12:00:00")]}
# a decision half a second after its due: breached, and printed so (not as 23:59:59, the due itself)
HALF_SECOND = {"S-half": [("referred_to_committee", "2025-03-02T10:00:00+03:00"),
                          ("decision_notified", "2025-03-16T23:59:59.5+03:00")],
               "S-in-time": [("referred_to_committee", "2025-03-02T10:00:00+03:00"),
                             ("decision_notified", "2025-03-16T23:59:59+03:00")]}


@pytest.mark.parametrize("cases,expected", [(SADDAD_1940, {"S-1940": "met"}),
                                            (HALF_SECOND, {"S-half": "breached", "S-in-time": "met"})],
                         ids=["saddad-1940", "half-second"])
def test_every_path_agrees_with_evaluate(tmp_path, cases, expected):
    policy = load_policy("saddad")
    as_of = "2026-01-01T00:00:00+03:00"
    log = tmp_path / "log.csv"
    _write_log(log, cases)
    reference = _reference(policy, cases, as_of)
    assert {c: r[0] for c, r in reference.items()} == expected
    for fmt in ("jsonl", "csv", "parquet"):
        for fast in (True, False):
            found = _batch(tmp_path, log, "saddad", as_of, fmt, fast)
            for case_id, (status, due, fulfilled, _) in reference.items():
                assert found[case_id][:3] == (status, due, fulfilled), (fmt, fast, case_id)
    live = _live(policy, cases, as_of)
    for case_id, (status, due, _, _) in reference.items():
        assert live[case_id] == (status, due), case_id


def test_fractions_of_a_second_are_printed_in_every_output(tmp_path):
    policy = load_policy("saddad")
    as_of = "2026-01-01T00:00:00+03:00"
    log = tmp_path / "log.csv"
    _write_log(log, HALF_SECOND)
    status, due, fulfilled, text = _reference(policy, HALF_SECOND, as_of)["S-half"]
    assert text == "2025-03-16T23:59:59.500000+03:00" and due.isoformat() == "2025-03-16T23:59:59+03:00"
    for fmt in ("jsonl", "csv", "parquet"):
        _, _, _, printed = _batch(tmp_path, log, "saddad", as_of, fmt)["S-half"]
        shown = printed if isinstance(printed, str) else printed.isoformat()
        assert _instant(shown) > due and ".5" in shown, fmt
    # the officer's workbook keeps the fraction and shows it (its findings sheet lists each finding's instants)
    out = tmp_path / "v.xlsx"
    run_batch(log, "saddad", as_of, out=str(out), workers=1)
    from openpyxl import load_workbook

    cells = [c for sheet in load_workbook(out).worksheets for row in sheet.iter_rows() for c in row
             if isinstance(c.value, dt.datetime) and c.value.microsecond]
    assert cells and all(c.number_format.endswith("ss.000") for c in cells)


def test_prose_shows_the_fraction_beside_the_due():
    from policykit.findings_text import when
    from policykit.report.dates import format_instant
    from policykit.timeparse import iso, zone

    tz = zone("Asia/Riyadh")
    half = dt.datetime(2025, 3, 16, 23, 59, 59, 500_000, tzinfo=tz)
    assert when(half, tz) == "2025-03-16 23:59:59.500000"
    assert when(half.replace(microsecond=0), tz) == "2025-03-16 23:59"
    assert format_instant(iso(half, tz), "en").endswith("23:59:59.500000")
    assert iso(half.replace(microsecond=0), tz) == "2025-03-16T23:59:59+03:00"


def _variant(tmp_path: Path, timezone: str) -> Path:
    """saddad as a test-only policy file whose calendar is set in another zone."""
    text = (ROOT / "policies" / "saddad.yaml").read_text(encoding="utf-8")
    assert "  timezone: Asia/Riyadh\n" in text
    path = tmp_path / f"saddad-{timezone.replace('/', '-')}.yaml"
    path.write_text(text.replace("  timezone: Asia/Riyadh\n", f"  timezone: {timezone}\n"), encoding="utf-8")
    return path


_local = st.datetimes(min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2100, 12, 1))


# no shrinking: each example is a batch run, and the failing log is named in the assertion message
@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["Asia/Riyadh", "Europe/Paris", "America/Santiago"]),
       st.lists(st.tuples(_local, st.integers(0, 40 * 86_400), st.integers(0, 999_999), st.booleans()),
                min_size=1, max_size=12))
@example("Europe/Paris", [(dt.datetime(2038, 4, 1), 0, 0, True)])  # past 2037: Arrow's own zone rules differ
@example("America/Santiago", [(dt.datetime(2023, 9, 3, 0, 30), 3600, 0, True)])  # a midnight gap
@example("Asia/Riyadh", [(dt.datetime(1940, 3, 4, 0, 3), 14 * 86_400, 0, True)])
def test_batch_fast_path_equals_evaluate_across_two_centuries(tmp_path_factory, timezone, drawn):
    tmp_path = tmp_path_factory.mktemp("zones")
    policy_path = _variant(tmp_path, timezone)
    policy = load_policy(str(policy_path))
    cases = {}
    for i, (start, after, micro, local_text) in enumerate(drawn):
        decided = start + dt.timedelta(seconds=after, microseconds=micro)
        if local_text:  # wall-clock text, read in the policy's zone
            events = [("referred_to_committee", start.isoformat()), ("decision_notified", decided.isoformat())]
        else:  # instants with their own offset, as the zone gives it for that date
            tz = policy.calendar.timezone
            from policykit.timeparse import zone

            events = [(k, t.replace(tzinfo=zone(tz)).isoformat()) for k, t in
                      (("referred_to_committee", start), ("decision_notified", decided))]
        cases[f"C{i}"] = events
    as_of = "2101-01-01T00:00:00+00:00"
    log = tmp_path / "log.csv"
    _write_log(log, cases)
    reference = _reference(policy, cases, as_of)
    found = _batch(tmp_path, log, str(policy_path), as_of, "parquet")
    for case_id, (status, due, fulfilled, _) in reference.items():
        assert found[case_id][:3] == (status, due, fulfilled), (case_id, cases[case_id])


def test_a_due_years_after_2200_is_local_in_batch_as_in_check(tmp_path):
    """A period of up to 3650 working days (about 15 years) after an event of 2199 has its due past 2201: batch's
    zone table gave such days offset 0, so the due read 02:59:59+03:00 the next day where check says 23:59:59."""
    source = (ROOT / "policies" / "harif.yaml").read_text(encoding="utf-8")
    assert "period: {amount: 15, unit: working_days}" in source
    policy_file = tmp_path / "long.yaml"
    policy_file.write_text(source.replace("period: {amount: 15, unit: working_days}",
                                          "period: {amount: 3650, unit: working_days}"), encoding="utf-8")
    events = [{"type": "request_received", "at": "2199-03-02T09:00", "channel": "interview"},
              {"type": "request_completed", "at": "2199-03-04"}]
    policy = load_policy(str(policy_file))
    expected = evaluate(policy, case_from_data({"case_id": "L1", "events": events}, policy), "2200-06-01")
    due = next(f.due for f in expected.findings if f.rule == "respond_within_15_working_days")
    assert due is not None and due.startswith("221") and due.endswith("T23:59:59+03:00")
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps({"case_id": "L1", **e}) + "\n" for e in events), encoding="utf-8")
    run_batch(log, str(policy_file), "2200-06-01", out=str(tmp_path / "v.jsonl"), workers=1)
    (row,) = [json.loads(line) for line in (tmp_path / "v.jsonl").read_text(encoding="utf-8").splitlines()]
    assert next(f["due"] for f in row["findings"] if f["rule"] == "respond_within_15_working_days") == due
