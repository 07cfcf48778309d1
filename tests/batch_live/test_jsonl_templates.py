"""Batch JSONL from templates (policykit.batch.finding_texts, json_template): every line byte for byte
`Verdict.to_json_line()` of `evaluate()` on the same case, on generated logs of every bundled policy at many
instants and readings; templates refused (stray markers, a `%` in a label) fall back to the result objects and
still write the same bytes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykit.batch import verdicts_json
from policykit.batch.json_template import Instant, Template, TemplateView, Untemplatable, inside, whole
from policykit.batch.runner import run_batch
from policykit.case import case_from_data
from policykit.engine import evaluate
from policykit.loader import load_policy, policy_file
from policykit.verdict import json_text

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ["harif", "saddad", "green_energy", "khairat_albaha", "suqya"]
FACTS = ("association_caused_harm", "investigation_minutes_approved")


def _cases(table) -> list[dict]:
    """The log's cases as case data, events in file order (their indices), facts from their first value."""
    cases: dict[str, dict] = {}
    for row in table.to_pylist():
        case = cases.setdefault(row["case_id"], {"case_id": row["case_id"], "events": [], "facts": {}})
        event = {"type": row["type"], "at": row["at"].isoformat()}
        event.update({k: row[k] for k in ("channel", "agreed_channel", "outcome") if row.get(k) is not None})
        case["events"].append(event)
        for fact in FACTS:
            if row.get(fact) is not None:
                case["facts"].setdefault(fact, row[fact])
    return list(cases.values())


def _batch_lines(monkeypatch, log: Path, policy, as_of: str, reading, out: Path) -> tuple[dict[str, str], int]:
    """Batch's JSONL lines by case id, and how many cases were written from result objects, not templates."""
    line = verdicts_json._Objects.line
    objects = []

    def counted(self, g):
        objects.append(g)
        return line(self, g)

    monkeypatch.setattr(verdicts_json._Objects, "line", counted)
    run_batch(log, policy, as_of, reading=reading, out=str(out), workers=1)
    monkeypatch.undo()
    lines = out.read_bytes().decode("utf-8").splitlines(keepends=True)
    return {json.loads(text)["case_id"]: text for text in lines}, len(objects)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(policy=st.sampled_from(POLICIES), seed=st.integers(0, 10**6), events=st.integers(150, 900),
       as_of=st.datetimes(dt.datetime(2024, 1, 15), dt.datetime(2026, 6, 1)),
       reading=st.sampled_from([None, "intended", "literal"]), shuffle=st.booleans(),
       repeats=st.sampled_from([0.0, 0.3]))
def test_every_line_is_evaluates_json_line(tmp_path_factory, monkeypatch, loggen, policy, seed, events, as_of,
                                           reading, shuffle, repeats):
    tmp = tmp_path_factory.mktemp("jsonl")
    table = loggen.generate(events, policy, seed=seed, shuffle=shuffle, repeats=repeats)  # several complaints
    log = tmp / "log.parquet"
    loggen.write(table, log)
    when = as_of.replace(microsecond=0).isoformat() + "+03:00"
    got, objects = _batch_lines(monkeypatch, log, policy, when, reading, tmp / "v.jsonl")
    loaded = load_policy(policy)
    cases = _cases(table)
    assert len(got) == len(cases)
    for data in cases:
        expected = evaluate(loaded, case_from_data(data, loaded), when, reading).to_json_line() + "\n"
        assert got[data["case_id"]] == expected, data["case_id"]
    assert objects == 0  # every case from templates


def _variant(tmp_path: Path, label_en: str, label_ar: str) -> Path:
    """harif with its first rule's label replaced."""
    data = yaml.safe_load(Path(policy_file("harif")).read_text(encoding="utf-8"))
    rules = data["versions"][0]["rules"] if "versions" in data else data["rules"]
    rules[0]["label"] = {"ar": label_ar, "en": label_en}
    path = tmp_path / "harif_variant.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("label_en, label_ar, templated", [
    ("Answer in 15 days: 100% of %s cases %(x)s", "الرد ١٠٠٪ %d", True),  # % is escaped in the format
    ("A label with a marker \ue000iso:due\ue001 inside", "علامة \ue002prose:due\ue003", False),
])
def test_policy_texts_never_break_a_template(tmp_path, monkeypatch, loggen, label_en, label_ar, templated):
    policy = _variant(tmp_path, label_en, label_ar)
    log = tmp_path / "log.parquet"
    loggen.write(loggen.generate(400, "harif", seed=3), log)
    got, objects = _batch_lines(monkeypatch, log, str(policy), "2025-06-01", None, tmp_path / "fast.jsonl")
    run_batch(log, str(policy), "2025-06-01", out=str(tmp_path / "slow.jsonl"), workers=1, fast=False)
    slow = (tmp_path / "slow.jsonl").read_bytes().decode("utf-8").splitlines(keepends=True)
    assert sorted(got.values()) == sorted(slow) and len(slow) > 20
    assert (objects == 0) == templated


def test_a_template_gives_its_holes_back():
    template = Template(json_text({"a": whole("x"), "b": f"at {inside('p')} and {inside('p')}", "c": "50%"}))
    assert template.holes == ("x", "p", "p")
    assert template.fill((b"[1,2]", b"10:00", b"11:00")) == b'{"a":[1,2],"b":"at 10:00 and 11:00","c":"50%"}'
    spread = Template(json_text({"f": whole("f"), "g": whole("g")})).spread("f", 2)
    assert spread.holes == (("f", 0), ("f", 1), "g")
    assert spread.fill((b"1", b"2", b"3")) == b'{"f":[1,2],"g":3}'
    assert Template(json_text({"f": whole("f")})).spread("f", 0).fill(()) == b'{"f":[]}'


def test_a_marker_that_does_not_come_back_whole_is_refused():
    with pytest.raises(Untemplatable):
        Template(json_text({"a": whole("x")[:-1]}))  # cut short, as an explanation slicing a text would
    with pytest.raises(Untemplatable):
        Template(json_text({"a": inside("p")[1:]}))


def test_an_explanation_reading_an_instant_itself_is_refused():
    view = TemplateView({"due": Instant("due"), "late": 3}, {}, dt.timezone.utc, set())
    assert view.late == 3 and view.show("due") == inside("prose:due")
    with pytest.raises(Untemplatable):
        view.due  # noqa: B018


def test_evidence_of_cases_with_many_events(tmp_path, monkeypatch, loggen):
    """Event indices too large to pack in one integer: the distinct evidence sets are found row by row."""
    from policykit.batch import finding_texts

    monkeypatch.setattr(finding_texts, "_PACKED", 1)
    log = tmp_path / "log.parquet"
    loggen.write(loggen.generate(600, "harif", seed=11), log)
    run_batch(log, "harif", "2025-06-01", out=str(tmp_path / "fast.jsonl"), workers=1)
    run_batch(log, "harif", "2025-06-01", out=str(tmp_path / "slow.jsonl"), workers=1, fast=False)
    assert (tmp_path / "fast.jsonl").read_bytes() == (tmp_path / "slow.jsonl").read_bytes()


@pytest.mark.parametrize("ext, workers", [("parquet", 1), ("parquet", 2), ("jsonl", 2)])
def test_lines_across_many_partitions_and_processes(tmp_path, monkeypatch, loggen, ext, workers):
    """Many partitions (row groups of 300 rows; JSONL read 300 rows at a time): templates kept from one partition
    to the next, lines handed out as runs of Arrow buffers (pickled back from the pool's workers for a JSONL
    log) — the same lines as the result objects write."""
    import pyarrow.parquet as pq

    from policykit.batch import readers

    table = loggen.generate(4000, "harif", seed=5)
    log = tmp_path / f"log.{ext}"
    if ext == "parquet":
        pq.write_table(table, log, row_group_size=300)
    else:
        loggen.write(table, log)
        monkeypatch.setattr(readers, "PYTHON_ROWS", 300)
    run_batch(log, "harif", "2025-06-01", out=str(tmp_path / "fast.jsonl"), workers=workers)
    run_batch(log, "harif", "2025-06-01", out=str(tmp_path / "slow.jsonl"), workers=1, fast=False)
    fast, slow = (tmp_path / "fast.jsonl").read_bytes(), (tmp_path / "slow.jsonl").read_bytes()
    # with several workers the cases that span partitions come after the others (judged at the end)
    assert (fast == slow) if workers == 1 else (sorted(fast.splitlines()) == sorted(slow.splitlines()))
    assert fast.count(b"\n") > 300


def test_case_ids_that_need_escaping(tmp_path, monkeypatch, loggen):
    """Case ids with a quote, a backslash, a control character or Arabic are written as JSON writes them (the
    plain ones quoted in Arrow, these by the encoder)."""
    import pyarrow as pa

    table = loggen.generate(600, "harif", seed=8)
    odd = {'a"b': 0, "c\\d": 1, "e\tf": 2, "طلب-٣": 3}
    ids = table.column("case_id").to_pylist()
    firsts = list(dict.fromkeys(ids))[:len(odd)]
    renamed = dict(zip(firsts, odd))
    table = table.set_column(table.schema.get_field_index("case_id"), "case_id",
                             pa.array([renamed.get(i, i) for i in ids], pa.string()))
    log = tmp_path / "log.parquet"
    loggen.write(table, log)
    got, objects = _batch_lines(monkeypatch, log, "harif", "2025-06-01", None, tmp_path / "fast.jsonl")
    assert objects == 0 and set(odd) <= set(got)
    run_batch(log, "harif", "2025-06-01", out=str(tmp_path / "slow.jsonl"), workers=1, fast=False)
    assert (tmp_path / "fast.jsonl").read_bytes() == (tmp_path / "slow.jsonl").read_bytes()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(micros=st.lists(st.one_of(st.integers(-2_208_988_800_000_000, 7_258_118_400_000_000),  # 1900-2200
                                 st.integers(-2_208_988_800, 7_258_118_400).map(lambda s: s * 1_000_000),
                                 st.just(None)), min_size=1, max_size=40),
       zone=st.sampled_from(["Asia/Riyadh", "Europe/Paris", "America/New_York", "UTC"]))
def test_instant_texts_in_bulk_are_those_made_one_by_one(micros, zone):
    """`Texts.column` (instants' texts made in Arrow and numpy at once) gives each instant's quoted ISO 8601 and
    prose as `timeparse.iso` and the explanations' prose make it one by one, fractions, zone offsets before 1947
    and daylight saving included; an absent instant is '-' in prose."""
    import numpy as np

    from policykit.batch.finding_texts import Texts
    from policykit.judge.status import NO_INSTANT
    from policykit.judge.table import instant, prose
    from policykit.timeparse import iso, zone as tz_of

    micros = [NO_INSTANT if m is None else m for m in micros]
    tz = tz_of(zone)
    texts = Texts(tz, zone)
    texts.learn(np.array(micros[: len(micros) // 2], dtype=np.int64))  # some known before, some learnt when asked
    values = np.array(micros, dtype=np.int64)
    assert texts.column(values, "prose").to_pylist() == [prose(m, tz).encode() for m in micros]
    present = values[values != NO_INSTANT]
    assert texts.column(present, "iso").to_pylist() == [f'"{iso(instant(m), tz)}"'.encode() for m in present.tolist()]
    assert texts.safe()


def test_a_template_is_kept_for_its_as_of_only(tmp_path):
    """Templates are kept across partitions and runs of one process (the service runs job after job), for one
    as_of: an explanation may read the query's `now` besides its fields, so a later run with another as_of makes
    and checks its own (it wrote the first run's text)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from policykit.judge.kinds import registered
    from policykit.judge.status import BREACHED, MET, UNDETERMINED
    from policykit.judge.table import Branch, Kind, prose, unknown
    from policykit.verdict import Text

    class NeverBy(Kind, name="never_by", label=("حظر", "never by"), model="NeverByRule"):
        """`event` must not occur; the explanation says by when."""

        roles = ("event",)
        marks = (None, "event")
        closing = False

        def fields(self, base):
            return {"event": base.Pattern}

        def decide(self, r, q):
            hit = q.find(r["event"])
            return [
                Branch(hit.unknown, UNDETERMINED, unknown, lambda: {"would_decide": q.missing(hit)}),
                Branch(hit.found, BREACHED, lambda s: Text.trusted(ar="وقع", en="happened."),
                       lambda: {"fulfilled_at": hit.at, "evidence": (hit,)}),
                Branch(True, MET, lambda s: Text.trusted(ar="لم يقع", en=f"not by {prose(q.now, s.tz)}.")),
            ]

        def describe(self, rule, lang, pattern, event):
            return "never"

    rule = ("  - id: no_complaint_by\n    kind: never_by\n    label: {ar: لا شكوى, en: No complaint}\n"
            '    clause: {ref: "ج-١", text_ar: "تلقي الشكاوى."}\n    event: complaint_received\n')
    text = (ROOT / "tests" / "fixtures" / "policies" / "mini.yaml").read_text(encoding="utf-8")
    policy = tmp_path / "mini_never_by.yaml"
    policy.write_text(text.replace("rules:\n", "rules:\n" + rule, 1).replace("id: mini\n", "id: mini_never_by\n", 1),
                      encoding="utf-8")
    log = tmp_path / "log.parquet"
    pq.write_table(pa.table({"case_id": ["a", "a", "b", "b"], "type": ["request_received", "request_completed"] * 2,
                             "at": pa.array([1741000000, 1741003600, 1741100000, 1741103600],
                                            pa.timestamp("s", tz="UTC"))}), log)
    with registered(NeverBy()):
        for as_of in ("2025-04-01", "2025-05-20"):
            run_batch(log, str(policy), as_of, out=str(tmp_path / "fast.jsonl"), workers=1)
            run_batch(log, str(policy), as_of, out=str(tmp_path / "slow.jsonl"), workers=1, fast=False)
            fast = (tmp_path / "fast.jsonl").read_bytes()
            assert fast == (tmp_path / "slow.jsonl").read_bytes()
            assert f"not by {as_of} 00:00.".encode() in fast


@pytest.mark.parametrize("ext", ["jsonl", "parquet", "csv"])
def test_a_policy_without_rules(tmp_path, loggen, ext):
    """A policy with no rules (the model allows it) is judged by the columns as by the reference, in every
    output (the columns failed on it: nothing to stack)."""
    import pyarrow.parquet as pq

    data = yaml.safe_load(Path(policy_file("harif")).read_text(encoding="utf-8"))
    data["rules"], data["id"] = [], "harif_no_rules"
    policy = tmp_path / "harif_no_rules.yaml"
    policy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    log = tmp_path / "log.parquet"
    loggen.write(loggen.generate(300, "harif", seed=1), log)
    fast, slow = tmp_path / f"fast.{ext}", tmp_path / f"slow.{ext}"
    run_batch(log, str(policy), "2025-06-01", out=str(fast), workers=1)
    run_batch(log, str(policy), "2025-06-01", out=str(slow), workers=1, fast=False)
    if ext == "parquet":
        assert pq.read_table(fast).to_pylist() == pq.read_table(slow).to_pylist()
        assert pq.read_table(fast).num_rows > 20
    else:
        assert fast.read_bytes() == slow.read_bytes() and fast.read_bytes().count(b"\n") > 20
