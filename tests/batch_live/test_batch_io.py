"""Batch input formats, rejects, summary, exit codes and output forms."""

from __future__ import annotations

import io
import json

import pytest
import pyarrow.parquet as pq

from policykit.batch.runner import run_batch
from policykit.case import case_from_data
from policykit.cli import main
from policykit.engine import evaluate
from policykit.loader import load_policy

AS_OF = "2026-01-01"


def _cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def _tabular(path):
    return {row["case_id"]: row for row in pq.read_table(path).to_pylist()}


def _to_xes(table, path):
    rows = table.to_pylist()
    by_case: dict[str, list[dict]] = {}
    for row in rows:
        by_case.setdefault(row["case_id"], []).append(row)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<log xes.version="1.0">']
    for case_id, events in by_case.items():
        lines.append(f'<trace><string key="concept:name" value="{case_id}"/>')
        for e in events:
            lines.append(f'<event><string key="concept:name" value="{e["type"]}"/>'
                         f'<date key="time:timestamp" value="{e["at"].isoformat()}"/>')
            for key in ("channel", "agreed_channel", "outcome"):
                if e.get(key):
                    lines.append(f'<string key="{key}" value="{e[key]}"/>')
            lines.append('<string key="lifecycle:transition" value="complete"/></event>')
        lines.append("</trace>")
    lines.append("</log>")
    path.write_text("\n".join(lines), encoding="utf-8")


def test_every_input_format_gives_the_same_verdicts(tmp_path, loggen):
    table = loggen.generate(1500, "saddad", seed=11)
    results = {}
    for suffix in ("parquet", "csv", "jsonl"):
        log = tmp_path / f"log.{suffix}"
        loggen.write(table, log)
        run_batch(log, "saddad", AS_OF, out=str(tmp_path / f"{suffix}.parquet"), workers=1)
        results[suffix] = _tabular(tmp_path / f"{suffix}.parquet")
    _to_xes(table, tmp_path / "log.xes")
    summary = run_batch(tmp_path / "log.xes", "saddad", AS_OF, out=str(tmp_path / "xes.parquet"), workers=1)
    results["xes"] = _tabular(tmp_path / "xes.parquet")
    assert summary.unknown_columns == ("lifecycle:transition",)
    assert len(results["parquet"]) > 100
    for fmt in ("csv", "jsonl", "xes"):
        assert results[fmt] == results["parquet"], fmt


def test_jsonl_rows_are_the_check_verdicts(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("case_id,type,at,channel,agreed_channel,association_caused_harm\n"
                   "H1,request_received,2025-03-02T09:00,interview,phone,true\n"
                   "H1,request_completed,2025-03-04,,,\n"
                   "H2,request_completed,1446-09-01H,,,false\n", encoding="utf-8")
    code, out, err = _cli("batch", str(log), "--policy", "harif", "--as-of", "2025-04-30")
    assert code == 1  # both deadlines passed unanswered
    verdicts = {v["case_id"]: v for v in map(json.loads, out.splitlines())}
    policy = load_policy("harif")
    case = case_from_data({"case_id": "H1", "facts": {"association_caused_harm": True}, "events": [
        {"type": "request_received", "at": "2025-03-02T09:00", "channel": "interview", "agreed_channel": "phone"},
        {"type": "request_completed", "at": "2025-03-04"}]}, policy)
    assert verdicts["H1"] == evaluate(policy, case, "2025-04-30").to_json_dict()
    assert verdicts["H2"]["compensation"]["status"] == "not_eligible"
    assert "2 cases" in err and "non_compliant 2" in err


def test_bad_rows_go_to_rejects_with_line_and_reason(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("case_id,type,at,channel,outcome,association_caused_harm,note\n"
                   "H1,request_completed,2025-03-02,,,,x\n"          # line 2: fine
                   "H1,request_recieved,2025-03-02,,,,\n"            # 3: unknown type
                   "H1,decision_notified,2025-02-30,,,,\n"           # 4: impossible date
                   ",request_completed,2025-03-02,,,,\n"             # 5: no case id
                   "H2,request_received,2025-03-02,0501234567,,,\n"  # 6: not a channel (not echoed)
                   "H2,request_completed,2025-03-02,,approved,,\n"   # 7: attribute not for this event
                   "H2,request_completed,2025-03-02,,,maybe,\n"      # 8: fact not boolean
                   "H3,request_completed,2025-03-02\n",               # 9: too few columns
                   encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    code, out, err = _cli("batch", str(log), "--policy", "harif", "--as-of", "2025-03-03", "--rejects", str(rejects))
    assert code == 2
    lines = rejects.read_text(encoding="utf-8").splitlines()[1:]
    by_line = {int(l.split(",")[1]): l.split(",", 2)[2] for l in lines}
    assert set(by_line) == {3, 4, 5, 6, 7, 8, 9}
    assert "unknown event type 'request_recieved'" in by_line[3]
    assert "2025-02-30" in by_line[4] and "case_id" in by_line[5]
    assert "channel" in by_line[6] and "0501234567" not in rejects.read_text(encoding="utf-8")
    assert "no attribute 'outcome'" in by_line[7] and "not true/false" in by_line[8]
    assert "columns" in by_line[9]
    assert "rejected rows: 7" in err and "ignored unknown columns: note" in err
    # SPEC §10: a case with rejected rows is listed, incomplete and undetermined, H2's rows all rejected too; a
    # row without a case id (5) or that the reader could not split into columns (9) belongs to no case
    verdicts = {v["case_id"]: v for v in map(json.loads, out.splitlines())}
    assert list(verdicts) == ["H1", "H2"]
    assert verdicts["H1"]["incomplete"] == {"rejected_rows": 2} and verdicts["H1"]["status"] == "undetermined"
    assert verdicts["H2"]["incomplete"] == {"rejected_rows": 3} and verdicts["H2"]["status"] == "undetermined"
    assert verdicts["H1"]["findings"][0]["status"] == "pending"  # its findings on the remaining rows are kept


def test_contradicting_facts_and_missing_outcomes_judged_on_columns_as_by_the_reference(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("case_id,type,at,outcome,channel,association_caused_harm\n"
                   "S1,referred_to_committee,2025-03-02,,,\n"
                   "S1,decision_notified,2025-03-05,,phone,\n"            # no outcome: service owed? unknown
                   "S2,referred_to_committee,2025-03-02,,,true\n"
                   "S2,decision_notified,2025-03-05,approved,phone,false\n", encoding="utf-8")
    fast = run_batch(log, "saddad", AS_OF, out=str(tmp_path / "f.parquet"), workers=1, rejects_path=str(
        tmp_path / "r.csv"))
    run_batch(log, "saddad", AS_OF, out=str(tmp_path / "s.parquet"), workers=1, fast=False)
    # S1: unknown outcome; S2: contradicting facts (canonical facts are columns for every policy)
    assert fast.stats.fallback_cases == 0 and fast.rejected == 1  # no case leaves the columns
    assert _tabular(tmp_path / "f.parquet") == _tabular(tmp_path / "s.parquet")
    s1 = _tabular(tmp_path / "f.parquet")["S1"]
    assert {f["rule"]: f["status"] for f in s1["findings"]}["service_after_approval"] == "undetermined"
    harif = tmp_path / "h.csv"
    harif.write_text("case_id,type,at,association_caused_harm\nH1,request_completed,2025-03-02,true\n"
                     "H1,applicant_informed,2025-03-03,false\n", encoding="utf-8")
    summary = run_batch(harif, "harif", AS_OF, out=str(tmp_path / "h.parquet"), workers=1,
                        rejects_path=str(tmp_path / "hr.csv"))
    assert summary.rejected == 1 and summary.stats.fallback_cases == 0
    h1 = _tabular(tmp_path / "h.parquet")["H1"]
    assert h1["compensation"] == "undetermined" and "association_caused_harm" in h1["compensation_unknown_facts"]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("ext", ["jsonl", "parquet"])
def test_a_contradicted_fact_leaves_its_case_incomplete_and_the_fact_unknown(tmp_path, fast, ext):
    """SPEC §10: a case with a rejected row is incomplete and undetermined, a row rejected for its fact too; and
    which of two values is true is not guessed (the first was once kept, the case judged as complete)."""
    log = tmp_path / "log.csv"
    log.write_text("case_id,type,at,association_caused_harm,investigation_minutes_approved\n"
                   "H1,request_completed,2025-03-02,true,true\n"
                   "H1,decision_notified,2025-03-04,false,false\n"     # both facts contradicted: one row
                   "H1,applicant_informed,2025-03-05,false,\n"         # a second row
                   "H2,request_completed,2025-03-02,true,true\n"
                   "H2,decision_notified,2025-03-04,true,\n", encoding="utf-8")
    out = tmp_path / f"v.{ext}"
    summary = run_batch(log, "harif", AS_OF, out=str(out), workers=1, fast=fast, rejects_path=str(tmp_path / "r.csv"))
    assert summary.rejected == 3  # one reason per contradicted fact: H1's row 3 twice, row 4 once
    if ext == "jsonl":
        verdicts = {v["case_id"]: v for v in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
        h1, h2 = verdicts["H1"], verdicts["H2"]
        assert h1["compensation"]["status"] == "undetermined"
        assert {"association_caused_harm", "investigation_minutes_approved"} <= set(h1["compensation"]["unknown_facts"])
        assert h2["compensation"]["status"] == "eligible" and h2.get("incomplete") is None
    else:
        verdicts = _tabular(out)
        h1, h2 = verdicts["H1"], verdicts["H2"]
        assert h1["compensation"] == "undetermined" and h2["compensation"] == "eligible"
        assert h2["incomplete"] is None
    assert h1["incomplete"] == {"rejected_rows": 2} and h1["status"] == "undetermined"
    assert h2["status"] != "undetermined"  # its facts agree: complete
    assert summary.stats.incomplete_cases == 1


def test_csv_output_is_one_flat_row_per_case(tmp_path, loggen):
    log = tmp_path / "log.parquet"
    loggen.write(loggen.generate(800, "harif", seed=5), log)
    run_batch(log, "harif", AS_OF, out=str(tmp_path / "v.csv"), workers=1)
    run_batch(log, "harif", AS_OF, out=str(tmp_path / "v.parquet"), workers=1)
    import csv

    rows = list(csv.DictReader(open(tmp_path / "v.csv", encoding="utf-8")))
    nested = _tabular(tmp_path / "v.parquet")
    assert len(rows) == len(nested) > 50
    for row in rows:
        expected = nested[row["case_id"]]
        assert row["status"] == expected["status"]
        deadline = next(f for f in expected["findings"] if f["rule"] == "respond_within_15_working_days")
        assert row["respond_within_15_working_days.status"] == deadline["status"]
        due = deadline["due"].isoformat() if deadline["due"] else ""
        assert row["respond_within_15_working_days.due"] == due


def test_many_workers_and_ungrouped_logs_give_the_same_verdicts(tmp_path, loggen):
    grouped, shuffled = tmp_path / "g.parquet", tmp_path / "s.csv"
    table = loggen.generate(60_000, "harif", seed=2)
    loggen.write(table, grouped)
    import numpy as np

    loggen.write(table.take(np.random.default_rng(0).permutation(table.num_rows)), shuffled)
    run_batch(grouped, "harif", AS_OF, out=str(tmp_path / "a.parquet"), workers=1)
    summary = run_batch(shuffled, "harif", AS_OF, out=str(tmp_path / "b.parquet"), workers=2)
    assert summary.stats.cases == len(_tabular(tmp_path / "a.parquet"))
    assert _tabular(tmp_path / "a.parquet") == _tabular(tmp_path / "b.parquet")


def test_exit_codes_and_errors(tmp_path):
    good = tmp_path / "ok.csv"
    good.write_text("case_id,type,at\nH1,request_received,2025-03-02\n", encoding="utf-8")
    assert _cli("batch", str(good), "--policy", "harif", "--as-of", AS_OF)[0] == 0
    code, _, err = _cli("batch", str(good), "--policy", "harif", "--out", str(tmp_path / "x.txt"))
    assert code == 2 and "usage" in err and "Traceback" not in err
    code, _, err = _cli("batch", str(tmp_path / "missing.csv"), "--policy", "harif")
    assert code == 2 and "file-not-found" in err
    code, _, err = _cli("batch", str(tmp_path / "log.txt"), "--policy", "harif")
    assert code == 2
    code, _, err = _cli("batch", str(good), "--policy", "harif", "--as-of", "yesterday")
    assert code == 2 and err.startswith("--as-of: invalid-date")
    broken = tmp_path / "bad.xes"
    broken.write_text("<log><trace>", encoding="utf-8")
    code, _, err = _cli("batch", str(broken), "--policy", "harif")
    assert code == 2 and "invalid-log" in err and "bad.xes:1" in err


def test_no_progress_bar_when_piped(tmp_path):
    log = tmp_path / "ok.csv"
    log.write_text("case_id,type,at\nH1,request_received,2025-03-02\n", encoding="utf-8")
    code, _, err = _cli("batch", str(log), "--policy", "harif", "--as-of", AS_OF)
    assert code == 0 and "━" not in err and "\x1b[" not in err and "1 cases" in err


def test_progress_bar_draws_on_a_terminal_stream(tmp_path):
    from policykit.batch.progress import NoProgress, RichProgress, progress_for

    log = tmp_path / "ok.csv"
    log.write_text("case_id,type,at\nH1,request_received,2025-03-02\n", encoding="utf-8")
    screen = io.StringIO()
    assert isinstance(progress_for(screen), NoProgress) and not isinstance(progress_for(screen), RichProgress)
    run_batch(log, "harif", AS_OF, out=str(tmp_path / "v.parquet"), workers=1, progress=progress_for(screen, True))
    assert "reading" in screen.getvalue()


def test_a_log_without_the_required_columns_is_an_input_error(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("case,type,when\nH1,request_received,2025-03-02\n", encoding="utf-8")
    code, _, err = _cli("batch", str(log), "--policy", "harif")
    assert code == 2 and err.startswith(f"{log}:1: invalid-log: the log has no case_id, at column")


def test_grouped_csv_streamed_to_two_workers_equals_reference(tmp_path, loggen, monkeypatch):
    from policykit.batch import readers, runner

    def small_batches(*args, **kwargs):
        for batch in readers.read_log(*args, **kwargs):
            for start in range(0, batch.num_rows, 997):  # cases cut at batch boundaries
                yield batch.slice(start, 997)

    monkeypatch.setattr(runner, "read_log", small_batches)
    log = tmp_path / "log.csv"
    loggen.write(loggen.generate(20_000, "khairat_albaha", seed=8), log)
    summary = run_batch(log, "khairat_albaha", AS_OF, out=str(tmp_path / "two.parquet"), workers=2)
    run_batch(log, "khairat_albaha", AS_OF, out=str(tmp_path / "ref.parquet"), workers=1, fast=False)
    assert summary.stats.fallback_cases == 0 and summary.rows_read > 15_000
    assert _tabular(tmp_path / "two.parquet") == _tabular(tmp_path / "ref.parquet")
