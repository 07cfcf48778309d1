"""Every scenario of tests/scenarios runs through every path: evaluate, batch and live give one verdict.

A scenario file (tests/scenarios/<policy>/*.yaml, see tests/scenarios/test_scenarios.py) is a case, an `as_of`
and a `reading`.  Its case is judged by `engine.evaluate` (the reference) and then by:

- `batch`: `policykit.batch.judge_table` on a log table of the case's events (the `at` text as the file writes
  it, facts on every row); the row must equal evaluate's verdict field by field — case status, policy version,
  reading, each finding's kind, status, due, trigger_at, fulfilled_at, not_before, late_by and reading, the
  required actions (event, due, rule, overdue, at_risk, before) and compensation (status, unknown facts);
- `cli_jsonl`: `policykit batch LOG --out v.jsonl` on the same log as a JSONL file; its one line must equal the
  JSON of `policykit check CASE --format json` on the case file, key for key (labels, clauses, explanations,
  notes included), and the exit codes must agree; `cli_parquet`: `--out v.parquet`, its row as `batch`'s;
- `live_step`, `live_replay`, `live_clocked`: `LiveSession` replays (see conftest.live_differences): statuses
  after every event, then statuses and the whole verdict at `as_of`, with and without an injected clock.

Scenarios whose `expect` is an `error` are input errors: `check` refuses them, batch rejects the bad row and
lists the case incomplete (SPEC §10), live refuses the post (test_rejected_input_is_refused_on_every_path).
Events after `as_of` go to evaluate and batch (which leave them out and note them), not to live (a session
takes a posted event as having happened).

Known differences are listed, each with its reason, in path_exceptions.yaml: an unlisted difference fails,
and so does a listed one that no longer occurs (delete its entry: the file should end empty).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from policykit.case import case_from_document
from policykit.cli import main
from policykit.config import AtRisk
from policykit.engine import evaluate
from policykit.source import Document, load_file

from .conftest import cli_differences, differences, live_differences, log_table, row_view, verdict_view

HERE = Path(__file__).parent
SCENARIO_DIR = HERE.parent / "scenarios"
EXCEPTIONS = HERE / "path_exceptions.yaml"
PATHS = {"batch", "cli_jsonl", "cli_parquet", "live_step", "live_replay", "live_clocked"}


def _judged(path: Path) -> bool:
    return "error" not in load_file(path).data["expect"]


FILES = [p for p in sorted(SCENARIO_DIR.glob("*/*.yaml")) if _judged(p)]
NAMES = [f"{p.parent.name}/{p.stem}" for p in FILES]


def _exceptions() -> list[dict]:
    data = load_file(EXCEPTIONS).data or {}
    return list(data.get("scenarios") or [])


def _scenario(path: Path):
    doc = load_file(path)
    scenario = doc.data
    spans = {p[1:]: span for p, span in doc.spans.items() if p[:1] == ("case",)}
    ref = scenario["case"].get("policy", path.parent.name)
    case = case_from_document(Document(scenario["case"], doc.file, spans), ref)
    return scenario, case


def _all_differences(path: Path, tmp_path: Path) -> list[tuple[str, str, object, object]]:
    from policykit.batch import judge_table

    scenario, case = _scenario(path)
    policy, as_of, reading = case.policy, scenario["as_of"], scenario.get("reading")
    expected = verdict_view(evaluate(policy, case, as_of, reading, at_risk=AtRisk()))
    raw = scenario["case"]["events"]
    found: list[tuple[str, str, object, object]] = []
    rows = judge_table(log_table(case.case_id, raw, dict(case.facts)), policy, as_of, reading).to_pylist()
    if len(rows) != 1:
        found.append(("batch", "rows", 1, len(rows)))
    else:
        found += [("batch", f, e, g) for f, e, g in differences(expected, row_view(rows[0]))]
    found += [d[1:] for d in cli_differences([scenario["case"]], scenario["case"].get("policy", path.parent.name),
                                             str(scenario["as_of"]), reading, tmp_path)]
    # strictly, even while POST_PASSES_NO_DUE is listed: no scenario posts an unrelated event after a due
    found += live_differences(policy, case, as_of, reading, expected, raw, strict=True)
    return found


@pytest.mark.parametrize("path", FILES, ids=NAMES)
def test_every_path_gives_the_reference_verdict(path: Path, tmp_path: Path) -> None:
    name = f"{path.parent.name}/{path.stem}"
    found = _all_differences(path, tmp_path)
    listed = {(e["path"], e["field"]) for e in _exceptions() if e["scenario"] == name}
    unlisted = [d for d in found if (d[0], d[1]) not in listed]
    gone = sorted(listed - {(d[0], d[1]) for d in found})
    report = "\n".join(f"  {p} {f}: evaluate {e!r}, {p} {g!r}" for p, f, e, g in unlisted)
    assert not unlisted, f"{name}: paths differ (fix the path, or list it in {EXCEPTIONS.name}):\n{report}"
    assert not gone, f"{name}: listed in {EXCEPTIONS.name} but no longer differs (delete the entry): {gone}"


def test_the_corpus_is_whole() -> None:
    """The corpus is the ~100 scenario files; a glob that found none would make every path agree vacuously."""
    assert len(FILES) >= 90
    assert {p.parent.name for p in FILES} == {"harif", "saddad", "green_energy", "khairat_albaha", "suqya"}


def test_every_exception_names_a_scenario_a_path_and_a_reason() -> None:
    for entry in _exceptions():
        assert set(entry) >= {"scenario", "path", "field", "evaluate", "got", "why"}, entry
        assert entry["scenario"] in NAMES, f"no scenario {entry['scenario']!r}"
        assert entry["path"] in PATHS, entry
        assert str(entry["why"]).strip(), entry


def test_a_difference_is_caught(tmp_path: Path) -> None:
    """The comparison can fail: a verdict's view against a changed copy names the field."""
    path = SCENARIO_DIR / "harif" / "todo_decision_overdue_listed_first.yaml"
    scenario, case = _scenario(path)
    view = verdict_view(evaluate(case.policy, case, scenario["as_of"], None, at_risk=AtRisk()))
    assert differences(view, view) == []
    changed = dict(view, required_actions=[dict(view["required_actions"][0], overdue=False)])
    assert differences(view, changed) == [("required_actions[0].overdue", True, False)]


REFUSED = [p for p in sorted(SCENARIO_DIR.glob("*/*.yaml")) if not _judged(p)]


@pytest.mark.parametrize("path", REFUSED, ids=[f"{p.parent.name}/{p.stem}" for p in REFUSED])
def test_rejected_input_is_refused_on_every_path(path: Path, tmp_path: Path) -> None:
    """A scenario whose expect is an error: `check` refuses the case with that code (exit 2); batch rejects the
    bad row and lists the case incomplete and undetermined (SPEC §10, exit 2); a live post_many of the events
    raises the same code and takes none of them."""
    from policykit.batch import judge_table
    from policykit.diagnostics import PolicykitError
    from policykit.live import LiveSession

    scenario = load_file(path).data
    code, case, policy = scenario["expect"]["error"]["code"], scenario["case"], path.parent.name
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(case, default=str, ensure_ascii=False), encoding="utf-8")
    err = io.StringIO()
    assert main(["check", str(case_file), "--policy", policy, "--as-of", str(scenario["as_of"])],
                io.StringIO(), err) == 2
    assert f": {code}: " in err.getvalue()
    rejects: list = []
    rows = judge_table(log_table(case["case_id"], case["events"]), policy, scenario["as_of"],
                       rejects=rejects).to_pylist()
    assert len(rejects) == 1
    assert [(r["case_id"], r["status"], r["incomplete"]) for r in rows] == [
        (case["case_id"], "undetermined", {"rejected_rows": 1})]
    session = LiveSession(policy)
    with pytest.raises(PolicykitError) as caught:
        session.post_many([(case["case_id"], {k: str(v) for k, v in e.items()}) for e in case["events"]])
    assert caught.value.first.code == code and session.open_cases == 0
