"""Live sessions and batch jobs over HTTP, against a real uvicorn server."""

from __future__ import annotations

import io
import json
import time

import pytest

EVENTS = [
    {"case_id": "A", "id": "a1", "type": "request_received", "at": "2025-03-11T09:15:00+03:00",
     "channel": "interview", "agreed_channel": "phone"},
    {"case_id": "A", "id": "a2", "type": "request_completed", "at": "2025-03-13"},
    {"case_id": "B", "id": "b1", "type": "request_received", "at": "2025-03-20T09:00:00+03:00", "channel": "phone"},
    {"case_id": "B", "id": "b2", "type": "request_completed", "at": "2025-03-20T10:00:00+03:00"},
]
ROWS = [("C1", "request_received", "2025-03-11T09:15:00+03:00", "interview", ""),
        ("C1", "request_completed", "2025-03-13", "", ""),
        ("C1", "decision_notified", "2025-04-13T11:00:00+03:00", "email", "approved"),
        ("C2", "request_received", "2025-04-16T09:15:00+03:00", "interview", "")]


def error_codes(response) -> list[str]:
    return [item["code"] for item in response.json()["errors"]]


# --- live sessions ----------------------------------------------------------------------------------------------

def test_a_session_is_created_then_found(api):
    created = api.put("/v1/sessions/s-create", json={"policy": "harif"})
    assert created.status_code == 201 and created.json() == {"name": "s-create", "policy": "harif", "now": None,
                                                              "open_cases": 0}
    again = api.put("/v1/sessions/s-create", json={"policy": "harif"})
    assert again.status_code == 200
    other = api.put("/v1/sessions/s-create", json={"policy": "saddad"})
    assert other.status_code == 422 and error_codes(other) == ["session-policy-mismatch"]


@pytest.mark.parametrize("body,code", [({"policy": "nope"}, "unknown-policy"),
                                       ({"policy": "policies/harif.yaml"}, "policy-path-refused"),
                                       ({}, "missing-key")])
def test_a_session_needs_a_bundled_policy(api, body, code):
    answer = api.put("/v1/sessions/s-bad", json=body)
    assert answer.status_code == 422 and error_codes(answer) == [code]


def test_a_session_named_like_the_registry_has_its_own_file(api, server):
    assert api.put("/v1/sessions/registry", json={"policy": "saddad"}).status_code == 201
    posted = api.post("/v1/sessions/registry/events", json={"events": [dict(EVENTS[0], channel="phone")]})
    assert posted.status_code == 200
    assert api.put("/v1/sessions/registry", json={"policy": "saddad"}).json()["open_cases"] == 1
    from pathlib import Path

    store = Path(server.settings.store)
    assert (store / "session-registry.sqlite").is_file()
    import sqlite3

    with sqlite3.connect(store / "registry.sqlite") as registry:  # the registry holds the registry only
        assert {name for (name,) in registry.execute("SELECT name FROM sqlite_master WHERE type='table'")} == {
            "sessions"}


def test_a_bad_session_name_is_refused_and_an_unknown_one_is_404(api):
    assert api.put("/v1/sessions/..%2F..%2Fx", json={"policy": "harif"}).status_code in (404, 422)
    assert api.put("/v1/sessions/-x", json={"policy": "harif"}).status_code == 422
    assert api.post("/v1/sessions/none-such/events", json={"events": []}).status_code == 404
    assert api.get("/v1/sessions/none-such/actions").status_code == 404


def test_events_answer_one_entry_per_event_in_order(api):
    api.put("/v1/sessions/s-events", json={"policy": "harif"})
    answer = api.post("/v1/sessions/s-events/events", json={"events": EVENTS + [EVENTS[1]]})
    assert answer.status_code == 200, answer.text
    posted = answer.json()
    assert [(p["case_id"], p["event_id"], p["duplicate"]) for p in posted] == [
        ("A", "a1", False), ("A", "a2", False), ("B", "b1", False), ("B", "b2", False), ("A", "a2", True)]
    assert set(posted[0]) == {"case_id", "event_id", "duplicate", "changes", "new_actions"}
    deadline = [c for c in posted[1]["changes"] if c["rule"] == "respond_within_15_working_days"]
    assert deadline == [{"rule": "respond_within_15_working_days", "from": "not_applicable", "to": "pending",
                         "due": "2025-04-09T23:59:59+03:00"}]
    session = api.put("/v1/sessions/s-events", json={"policy": "harif"}).json()
    assert session["open_cases"] == 2 and session["now"] == "2025-03-20T10:00:00+03:00"  # the first events' clock


def test_a_bad_event_is_located_and_nothing_is_taken(api):
    api.put("/v1/sessions/s-bad-event", json={"policy": "harif"})
    bad = [EVENTS[0], {"case_id": "A", "type": "request_recieved", "at": "2025-03-12"}]
    answer = api.post("/v1/sessions/s-bad-event/events", json={"events": bad})
    assert answer.status_code == 422
    item = answer.json()["errors"][0]
    assert (item["code"], item["path"]) == ("unknown-event", "events[1].type")
    assert api.get("/v1/sessions/s-bad-event/cases/A").status_code == 404  # the good one was not taken either
    missing = api.post("/v1/sessions/s-bad-event/events", json={"events": [{"type": "x", "at": "2025-01-01"}]})
    assert missing.status_code == 422


@pytest.mark.parametrize("field,path", [("case_id", "events[1].case_id"), ("id", "events[1].id")])
@pytest.mark.parametrize("extra", [0, 300])  # one event at a time, and a post read as columns (live.bulk)
def test_an_id_holding_a_nul_is_refused_located_on_every_store(api, field, path, extra):
    """SQLite kept a NUL in a case id or event id, PostgreSQL's text refuses one: the same post was taken by one store
    and failed as a store write (unlocated, and now a 503 to be tried again for ever) by the other."""
    assert api.put("/v1/sessions/s-nul", json={"policy": "harif"}).status_code in (200, 201)
    events = [dict(EVENTS[2], case_id=f"N-{i}", id=f"n{i}") for i in range(extra + 2)]
    events[1][field] = "H\x00-1"
    answer = api.post("/v1/sessions/s-nul/events", json={"events": events})
    assert answer.status_code == 422, answer.text
    assert [(e["code"], e["path"]) for e in answer.json()["errors"]] == [("wrong-type", path)]
    assert "NUL" in answer.json()["errors"][0]["message"]
    assert api.get("/v1/sessions/s-nul/cases/N-0").status_code == 404  # nothing of the post taken


def test_advance_case_verdict_and_actions(api):
    api.put("/v1/sessions/s-todo", json={"policy": "harif"})
    api.post("/v1/sessions/s-todo/events", json={"events": EVENTS})
    todo = api.get("/v1/sessions/s-todo/actions").json()
    assert todo and all({"case_id", "event", "due", "rule", "label", "clause"} <= set(a) for a in todo)
    dues = [a["due"] for a in todo if a["due"] is not None]
    assert dues == sorted(dues, key=lambda d: d)
    open_ended = [i for i, a in enumerate(todo) if a["due"] is None]
    assert all(i > len(dues) - 1 for i in open_ended)  # open-ended last
    until = api.get("/v1/sessions/s-todo/actions", params={"due_before": "2025-04-09T23:59:59+03:00"}).json()
    assert until and all(a["due"] is not None and a["due"] <= "2025-04-09T23:59:59+03:00" for a in until)
    assert {a["case_id"] for a in until} == {"A"}  # inclusive: A's due is exactly the bound; B's is later
    assert api.get("/v1/sessions/s-todo/actions", params={"due_before": "soon"}).status_code == 422

    passed = api.post("/v1/sessions/s-todo/advance", json={"now": "2025-04-10T00:00:00+03:00"})
    assert passed.status_code == 200
    assert [(p["case_id"], c["rule"], c["to"]) for p in passed.json() for c in p["changes"]
            if c["rule"] == "respond_within_15_working_days"] == [("A", "respond_within_15_working_days",
                                                                   "breached")]
    back = api.post("/v1/sessions/s-todo/advance", json={"now": "2025-01-01"})
    assert back.status_code == 422 and error_codes(back) == ["clock-went-back"]
    assert back.json()["errors"][0]["path"] == "now"  # the field that went back (it was null)
    overdue = api.get("/v1/sessions/s-todo/actions").json()
    assert (overdue[0]["case_id"], overdue[0]["event"], overdue[0]["overdue"]) == ("A", "decision_notified", True)
    assert overdue[0]["due"] == "2025-04-09T23:59:59+03:00"  # the passed due
    assert [a["overdue"] for a in overdue] == sorted((a["overdue"] for a in overdue), reverse=True)  # first
    assert set(overdue[0]) == {"case_id", "event", "due", "overdue", "at_risk", "before", "rule", "label", "clause"}
    verdict = api.get("/v1/sessions/s-todo/cases/A").json()
    assert verdict["status"] == "non_compliant" and verdict["as_of"] == "2025-04-10T00:00:00+03:00"
    assert len(verdict["decision_id"]) == 32 and verdict["provenance"]["policy_digest"].startswith("sha256:")
    assert api.get("/v1/sessions/s-todo/cases/Z").status_code == 404


def test_actions_are_the_case_verdicts_required_actions(api):
    """The to-do list (judged over the session's columns) lists what each case's verdict lists, at each clock."""
    api.put("/v1/sessions/s-same", json={"policy": "harif"})
    api.post("/v1/sessions/s-same/events", json={"events": EVENTS})
    for now in ("2025-03-21T00:00:00+03:00", "2025-04-08T12:00:00+03:00", "2025-04-10T00:00:00+03:00"):
        api.post("/v1/sessions/s-same/advance", json={"now": now})
        listed = api.get("/v1/sessions/s-same/actions").json()
        for case_id in ("A", "B"):
            verdict = api.get(f"/v1/sessions/s-same/cases/{case_id}").json()
            assert [{k: v for k, v in a.items() if k != "case_id"} for a in listed if a["case_id"] == case_id] == \
                verdict["required_actions"]
        assert any(a["at_risk"] or a["overdue"] for a in listed) or now.startswith("2025-03")


@pytest.mark.parametrize("many", [1, 300])
def test_an_event_too_far_past_the_clock_is_named_by_its_place(api, many):
    """After an advance, an event more than the tolerance (a day) past the clock is refused, at events[k].at (the
    path was null); nothing of the post is taken. `many` events take the columnar bulk path as well."""
    name = f"s-ahead-{many}"
    api.put(f"/v1/sessions/{name}", json={"policy": "harif"})
    api.post(f"/v1/sessions/{name}/advance", json={"now": "2025-03-14T00:00:00+03:00"})
    fine = [{"case_id": f"F{i}", "type": "request_received", "at": "2025-03-14T08:00:00+03:00", "channel": "phone"}
            for i in range(many)]
    late = {"case_id": "L", "type": "request_received", "at": "2026-03-14T08:00:00+03:00", "channel": "phone"}
    answer = api.post(f"/v1/sessions/{name}/events", json={"events": fine + [late]})
    assert answer.status_code == 422 and error_codes(answer) == ["event-too-far-ahead"], answer.text
    assert answer.json()["errors"][0]["path"] == f"events[{many}].at"
    assert api.get(f"/v1/sessions/{name}/cases/F0").status_code == 404  # none taken


@pytest.mark.parametrize("request_args,path", [
    (("POST", "/v1/sessions/s-when/advance", {"json": {"now": "Mohammed 0555"}}), "now"),
    (("POST", "/v1/sessions/s-when/advance", {"json": {"now": "9999-01-01"}}), "now"),
    (("GET", "/v1/sessions/s-when/actions", {"params": {"due_before": "Mohammed 0555"}}), "due_before")])
def test_a_bad_instant_names_its_field(api, request_args, path):
    """`now` and `due_before` are named in the error's path, as `as_of` is (it was null); the value is not shown."""
    api.put("/v1/sessions/s-when", json={"policy": "harif"})
    method, url, kwargs = request_args
    answer = api.request(method, url, **kwargs)
    assert answer.status_code == 422 and error_codes(answer) == ["invalid-date"]
    assert answer.json()["errors"][0]["path"] == path and "Mohammed" not in answer.text


def test_a_case_id_holding_a_slash_has_its_verdict(api):
    """A case id such as 2025/42 (its slash sent as %2F) was 404 not-found: the path segment stopped at the slash."""
    from urllib.parse import quote

    api.put("/v1/sessions/s-slash", json={"policy": "harif"})
    ids = ["2025/42", "H/1/", "a b?#%"]
    events = [dict(EVENTS[0], case_id=case_id, id="e") for case_id in ids]
    assert api.post("/v1/sessions/s-slash/events", json={"events": events}).status_code == 200
    for case_id in ids:
        answer = api.get(f"/v1/sessions/s-slash/cases/{quote(case_id, safe='')}")
        assert answer.status_code == 200, (case_id, answer.text)
        assert answer.json()["case_id"] == case_id
    assert error_codes(api.get("/v1/sessions/s-slash/cases/2025%2F43")) == ["unknown-case"]


def test_a_restart_on_the_same_store_restores_sessions_and_clock(tmp_path, serve):
    with serve(tmp_path) as first, first.client() as client:
        client.put("/v1/sessions/keep", json={"policy": "harif"})
        client.post("/v1/sessions/keep/events", json={"events": EVENTS})
        client.post("/v1/sessions/keep/advance", json={"now": "2025-04-12"})
        before = client.get("/v1/sessions/keep/cases/A").json()
    with serve(tmp_path) as second, second.client() as client:
        session = client.put("/v1/sessions/keep", json={"policy": "harif"})
        assert session.status_code == 200
        assert session.json()["now"] == "2025-04-12T00:00:00+03:00" and session.json()["open_cases"] == 2
        after = client.get("/v1/sessions/keep/cases/A").json()
        again = client.post("/v1/sessions/keep/events", json={"events": EVENTS[:1]}).json()
    strip = ("decision_id",)
    assert {k: v for k, v in before.items() if k not in strip} == {k: v for k, v in after.items() if k not in strip}
    assert again[0]["duplicate"] is True


# --- batch jobs ---------------------------------------------------------------------------------------------------

def wait_done(api, job: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = api.get(f"/v1/batch/{job}").json()
        if state["state"] in ("done", "failed"):
            return state
        assert set(state) == {"job", "state", "progress"}
        time.sleep(0.1)
    raise AssertionError("the batch job did not finish")


def csv_bytes() -> bytes:
    lines = ["case_id,type,at,channel,outcome"] + [",".join(row) for row in ROWS]
    return ("\n".join(lines) + "\n").encode("utf-8")


def jsonl_bytes() -> bytes:
    keys = ("case_id", "type", "at", "channel", "outcome")
    return "".join(json.dumps({k: v for k, v in zip(keys, row) if v}) + "\n" for row in ROWS).encode("utf-8")


def parquet_bytes() -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = list(zip(*ROWS))
    table = pa.table({name: [v or None for v in values] for name, values in
                      zip(("case_id", "type", "at", "channel", "outcome"), columns)})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def xes_bytes() -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<log xes.version="1.0">']
    for case_id in ("C1", "C2"):
        lines.append(f'<trace><string key="concept:name" value="{case_id}"/>')
        for row in (r for r in ROWS if r[0] == case_id):
            at = row[2] if "T" in row[2] else row[2] + "T00:00:00+03:00"
            lines.append(f'<event><string key="concept:name" value="{row[1]}"/>'
                         f'<date key="time:timestamp" value="{at}"/>')
            for key, value in (("channel", row[3]), ("outcome", row[4])):
                if value:
                    lines.append(f'<string key="{key}" value="{value}"/>')
            lines.append("</event>")
        lines.append("</trace>")
    lines.append("</log>")
    return "\n".join(lines).encode("utf-8")


@pytest.mark.parametrize("maker,media", [(csv_bytes, "text/csv"), (jsonl_bytes, "application/jsonl"),
                                         (parquet_bytes, "application/octet-stream"),
                                         (xes_bytes, "application/xml")])
def test_a_batch_job_judges_every_format(api, maker, media):
    pytest.importorskip("pyarrow")
    accepted = api.post("/v1/batch", params={"policy": "harif", "as_of": "2025-04-20"}, content=maker(),
                        headers={"Content-Type": media})
    assert accepted.status_code == 202, accepted.text
    done = wait_done(api, accepted.json()["job"])
    assert done["state"] == "done", done
    assert set(done) == {"job", "state", "summary", "verdicts"}
    assert done["summary"]["cases"] == 2 and done["summary"]["cases_by_status"]["non_compliant"] == 1
    assert "out" not in done["summary"] and "rejects_file" not in done["summary"]  # no server path
    by_case = {row["case_id"]: row for row in done["verdicts"]}
    assert by_case["C1"]["status"] == "non_compliant"


def test_batch_rows_equal_the_batch_command(api, tmp_path):
    from policykit.batch.runner import run_batch

    log = tmp_path / "log.csv"
    log.write_bytes(csv_bytes())
    run_batch(log, "harif", "2025-04-20", out=str(tmp_path / "out.jsonl"), workers=1)
    expected = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    job = api.post("/v1/batch", params={"policy": "harif", "as_of": "2025-04-20"}, content=csv_bytes()).json()
    assert wait_done(api, job["job"])["verdicts"] == expected


def test_a_case_id_holding_a_line_separator_is_one_verdict(api):
    """JSON keeps U+2028 raw in a line; the job's verdicts are read line by line at "\n" only (the job failed:
    str.splitlines cut the line in two)."""
    body = jsonl_bytes().decode("utf-8").replace('"C1"', '"C\u2028x"').encode("utf-8")
    job = api.post("/v1/batch", params={"policy": "harif", "as_of": "2025-04-20"}, content=body,
                   headers={"Content-Type": "application/jsonl"}).json()
    done = wait_done(api, job["job"])
    assert done["state"] == "done", done
    assert sorted(row["case_id"] for row in done["verdicts"]) == ["C2", "C\u2028x"]


def test_an_xlsx_body_goes_through_the_batch_readers_dispatch(api):
    """An XLSX export (told by its media type or its `PK` start) is handed to the readers as `.xlsx`: whatever
    they make of it (read it, or refuse it), the job says so with a code, never an internal error."""
    job = api.post("/v1/batch", params={"policy": "harif"}, content=b"PK\x03\x04 not really a workbook").json()
    ended = wait_done(api, job["job"])
    if ended["state"] == "failed":
        assert ended["errors"][0]["code"] != "internal-error", ended


def test_the_format_is_told_by_parameter_media_type_or_first_bytes():
    from policykit.service.jobs import format_of

    assert format_of("xes", "text/csv", b"case_id") == "xes"
    assert format_of(None, "text/csv; charset=utf-8", b"{") == "csv"
    assert format_of(None, None, b"PAR1....") == "parquet"
    assert format_of(None, "application/octet-stream", b"PK\x03\x04") == "xlsx"
    assert format_of(None, None, b"\xef\xbb\xbf <?xml") == "xes"
    assert format_of(None, None, b'{"case_id": 1}') == "jsonl"
    assert format_of(None, None, b"case_id;type;at") == "csv"


def test_a_failed_batch_job_says_why(api):
    job = api.post("/v1/batch", params={"policy": "harif"}, content=b"a,b\n1,2\n").json()["job"]
    failed = wait_done(api, job)
    assert failed["state"] == "failed" and failed["errors"][0]["code"] == "invalid-log"
    assert set(failed["errors"][0]) == {"code", "message", "path", "line", "col"}


@pytest.mark.parametrize("params,code", [({"policy": "nope"}, "unknown-policy"),
                                         ({"policy": "../x.yaml"}, "policy-path-refused"),
                                         ({"policy": "harif", "as_of": "later"}, "invalid-date"),
                                         ({"policy": "harif", "format": "doc"}, "invalid-value")])
def test_batch_refuses_bad_parameters(api, params, code):
    answer = api.post("/v1/batch", params=params, content=csv_bytes())
    assert answer.status_code == 422 and code in error_codes(answer), answer.text


def test_an_unknown_job_is_404_and_its_report_seam(api):
    assert api.get("/v1/batch/0123").status_code == 404
    job = api.post("/v1/batch", params={"policy": "harif", "as_of": "2025-04-20"}, content=csv_bytes()).json()
    wait_done(api, job["job"])
    report = api.get(f"/v1/batch/{job['job']}/report")
    # the audit report of the finished job: one self-contained page with its charts
    assert report.status_code == 200, report.text
    assert report.headers["content-type"].startswith("text/html") and "<svg" in report.text
    # a page made of the log's own text: nothing on it may run or fetch, whatever a case id holds
    for answer in (report, api.get(f"/page/batch/{job['job']}/report")):
        policy = answer.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy


def test_a_finished_job_gives_its_excel_verdicts(api):
    openpyxl = pytest.importorskip("openpyxl")
    import io

    job = api.post("/v1/batch", params={"policy": "harif", "as_of": "2025-04-20"}, content=csv_bytes()).json()
    done = wait_done(api, job["job"])
    answer = api.get(f"/v1/batch/{job['job']}/verdicts.xlsx", params={"lang": "en"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)
    cases, findings = book.worksheets[:2]
    rows = list(cases.iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in rows) == sorted(v["case_id"] for v in done["verdicts"])
    assert len(list(findings.iter_rows(min_row=2))) == sum(len(v["findings"]) for v in done["verdicts"])
    assert api.get(f"/v1/batch/{job['job']}/verdicts.xlsx").content[:2] == b"PK"  # Arabic, made once and kept
    assert api.get("/v1/batch/0123/verdicts.xlsx").status_code == 404


@pytest.mark.parametrize("one_by_one", [False, True])
def test_a_case_id_is_trimmed_on_every_path(api, one_by_one):
    """Batch reads "H-1 " as case H-1 (trimmed, as exports pad cells); a live session kept "H-1 ", " H-1" and "H-1"
    as three cases, and check answered " H-1 ": the same events, three verdicts. Now one case, H-1, everywhere."""
    session = f"s-trim-{int(one_by_one)}"
    api.put(f"/v1/sessions/{session}", json={"policy": "harif"})
    spelled = ["H-1 ", " H-1", "H-1\u00a0", "\tH-1"]  # a no-break space and a tab, as spreadsheets leave them
    events = [dict(event, case_id=name) for name, event in zip(spelled, [
        {"type": "request_received", "at": "2025-03-11T09:15:00+03:00", "channel": "interview"},
        {"type": "request_completed", "at": "2025-03-13"},
        {"type": "applicant_informed", "at": "2025-03-14"},
        {"type": "decision_notified", "at": "2025-04-13T11:00:00+03:00", "channel": "email", "outcome": "approved"}])]
    answers = []
    for part in ([[e] for e in events] if one_by_one else [events]):
        posted = api.post(f"/v1/sessions/{session}/events", json={"events": part})
        assert posted.status_code == 200, posted.text
        answers += posted.json()
    assert [a["case_id"] for a in answers] == ["H-1"] * 4
    assert api.put(f"/v1/sessions/{session}", json={"policy": "harif"}).json()["open_cases"] == 1
    live = api.get(f"/v1/sessions/{session}/cases/H-1").json()
    assert api.get(f"/v1/sessions/{session}/cases/%20H-1%20").json()["findings"] == live["findings"]
    checked = api.post("/v1/check", params={"as_of": live["as_of"]}, json={
        "case_id": " H-1 ", "policy": "harif", "events": [{k: v for k, v in e.items() if k != "case_id"}
                                                          for e in events]}).json()
    assert checked["case_id"] == live["case_id"] == "H-1"
    assert checked["findings"] == live["findings"] and checked["status"] == live["status"]
    rows = "case_id,type,at,channel,outcome\n" + "".join(
        f"\"{e['case_id']}\",{e['type']},{e['at']},{e.get('channel', '')},{e.get('outcome', '')}\n" for e in events)
    job = api.post("/v1/batch", params={"policy": "harif", "as_of": live["as_of"]}, content=rows.encode()).json()
    verdicts = wait_done(api, job["job"])["verdicts"]
    assert [(row["case_id"], row["status"]) for row in verdicts] == [("H-1", live["status"])]


def test_integer_case_and_event_ids_are_taken_as_their_digits(api):
    """`check` takes `"case_id": 42` (a case file's integer id) and so does LiveSession; over HTTP the same event
    was refused (wrong-type 'Input should be a valid string'): a case-management system's integer keys."""
    api.put("/v1/sessions/s-int", json={"policy": "harif"})
    event = {"case_id": 42, "id": 7, "type": "request_received", "at": "2025-03-11T09:15:00+03:00",
             "channel": "interview"}
    posted = api.post("/v1/sessions/s-int/events", json={"events": [event, dict(event, case_id="42", id="7")]})
    assert posted.status_code == 200, posted.text
    assert [(a["case_id"], a["event_id"], a["duplicate"]) for a in posted.json()] == [("42", "7", False),
                                                                                      ("42", "7", True)]
    live = api.get("/v1/sessions/s-int/cases/42").json()
    checked = api.post("/v1/check", params={"as_of": live["as_of"]}, json={
        "case_id": 42, "policy": "harif", "events": [{k: v for k, v in event.items() if k not in ("case_id", "id")}]})
    assert checked.json()["case_id"] == live["case_id"] == "42"
    for bad, path in ((True, "events[0].case_id"), (4.2, "events[0].case_id"), ([1], "events[0].case_id")):
        refused = api.post("/v1/sessions/s-int/events", json={"events": [dict(event, case_id=bad)]})
        assert refused.status_code == 422 and refused.json()["errors"][0]["path"] == path, refused.text
    refused = api.post("/v1/sessions/s-int/events", json={"events": [dict(event, id=False)]})
    assert refused.status_code == 422 and refused.json()["errors"][0]["path"] == "events[0].id", refused.text


@pytest.mark.parametrize("attribute", ["channel", "agreed_channel"])
def test_a_null_attribute_reads_as_check_reads_it(api, attribute):
    """`"channel": null` was dropped before the session saw it while check refused the same event; a value is now
    read once for every path (policykit.values: a null or empty attribute is absent), and a wrong type is refused
    by both, located."""
    api.put("/v1/sessions/s-null", json={"policy": "harif"})
    event = {"type": "request_received", "at": "2025-03-11T09:15:00+03:00", "channel": "interview", attribute: None}
    checked = api.post("/v1/check", params={"as_of": "2025-03-12"},
                       json={"case_id": "N-1", "policy": "harif", "events": [event]})
    posted = api.post("/v1/sessions/s-null/events", json={"events": [dict(event, case_id="N-1", id=None)]})
    assert checked.status_code == posted.status_code == 200, posted.text
    held = api.get("/v1/sessions/s-null/cases/N-1", params={"as_of": "2025-03-12"}).json()
    assert [(f["rule"], f["status"]) for f in held["findings"]] == [
        (f["rule"], f["status"]) for f in checked.json()["findings"]]
    wrong = dict(event, **{attribute: 5})
    checked = api.post("/v1/check", json={"case_id": "N-2", "policy": "harif", "events": [wrong]})
    posted = api.post("/v1/sessions/s-null/events", json={"events": [dict(wrong, case_id="N-2")]})
    assert checked.status_code == posted.status_code == 422, posted.text
    assert [(e["code"], e["path"]) for e in posted.json()["errors"]] == [
        (e["code"], e["path"]) for e in checked.json()["errors"]] == [("wrong-type", f"events[0].{attribute}")]
    assert api.get("/v1/sessions/s-null/cases/N-2").status_code == 404


def test_a_request_past_the_time_limit_lets_the_session_go(tmp_path, serve):
    """A to-do list over many cases answered 503 at the time limit, but its thread went on judging every case under
    the session's lock, and each request after it on that session waited, then timed out too: the session was held
    long after the answer (and each retry queued another whole run). Now the work stops at the limit. (The list is
    judged over columns now, some 20,000 cases in well under a second: the limit is lowered to be passed.)"""
    import dataclasses
    import time

    with serve(tmp_path, time_limit_s=30.0) as running, running.client() as client:
        service = running.app.app.state.service
        assert client.put("/v1/sessions/s-slow", json={"policy": "harif"}).status_code == 201
        events = [{"case_id": f"S-{i}", "type": "request_received", "at": "2025-03-11T09:15:00+03:00",
                   "channel": "interview"} for i in range(20_000)]
        assert client.post("/v1/sessions/s-slow/events", json={"events": events}).status_code == 200
        service.settings = dataclasses.replace(service.settings, time_limit_s=0.02)
        started = time.monotonic()
        slow = client.get("/v1/sessions/s-slow/actions")  # 100,000 actions: several times the limit
        assert slow.status_code == 503 and slow.headers["retry-after"] == "5", slow.text[:300]
        assert time.monotonic() - started < 3
        service.settings = dataclasses.replace(service.settings, time_limit_s=1.0)
        time.sleep(0.3)
        after = client.get("/v1/sessions/s-slow/cases/S-1")
        assert after.status_code == 200, after.text[:300]


@pytest.mark.parametrize("bound,cases", [("2025-04-09", {"A"}), ("1446-10-11H", {"A"}), ("1446-10-11 هـ", {"A"}),
                                         ("2025-04-08", set()), ("2025-04-09T00:00:00+03:00", set()),
                                         ("2025-04-09T23:59:59+03:00", {"A"})])
def test_due_before_a_date_includes_that_whole_day(api, bound, cases):
    """`due_before` is inclusive, and every due falls at 23:59:59 local: a date was read as the start of its day,
    so due_before=2025-04-09 left out the action due on 9 April (A's); an instant is taken as written."""
    api.put("/v1/sessions/s-until", json={"policy": "harif"})
    api.post("/v1/sessions/s-until/events", json={"events": EVENTS})
    until = api.get("/v1/sessions/s-until/actions", params={"due_before": bound})
    assert until.status_code == 200, until.text
    assert {a["case_id"] for a in until.json()} == cases
