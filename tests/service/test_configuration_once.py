"""`policykit serve` reads the evaluation settings (the reading, the at-risk window: policykit.toml) once, at its start,
as docs/service.md says: a real process, its policykit.toml rewritten while it runs. Before, `check` read the file
again whenever the one read at the start named no reading, a live session's verdicts read it on every request (and
a session opened later read it as it was then), and a batch job's process read it when the job ran: one change of
the file, half taken."""

from __future__ import annotations

import os
import time

TOKEN = "configuration-token-0123456789"
CASE = {"case_id": "S-1", "policy": "saddad", "events": [
    {"type": "request_received", "at": "2025-03-02T09:00:00+03:00", "channel": "phone"},
    {"type": "referred_to_committee", "at": "2025-03-03T09:00:00+03:00"},
    {"type": "decision_notified", "at": "2025-03-05T09:00:00+03:00", "outcome": "approved", "channel": "phone"}]}
OPEN = [{"type": "request_received", "at": "2025-03-09T09:00:00+03:00", "channel": "phone"},
        {"type": "referred_to_committee", "at": "2025-03-10T09:00:00+03:00"}]
NOW = "2025-03-20T12:00:00+03:00"
CSV = ("case_id,type,at,channel,outcome\n" + "".join(
    f"{case},{e['type']},{e['at']},{e.get('channel', '')},{e.get('outcome', '')}\n"
    for case, events in (("S-1", CASE["events"]), ("S-2", OPEN)) for e in events)).encode()


def _start(folder):
    import httpx

    from .conftest import serve_process

    process, base = serve_process(folder, "--tokens", "tokens", "--no-decision-log",
                                  env={k: v for k, v in os.environ.items() if not k.startswith("POLICYKIT_")})
    return process, httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)


def _answers(client, session: str) -> dict:
    """What the service says of the same cases: check, a session's verdicts and to-do list, a batch job's rows."""
    if client.put(f"/v1/sessions/{session}", json={"policy": "saddad"}).status_code == 201:
        events = [dict(e, case_id=case) for case, evs in (("S-1", CASE["events"]), ("S-2", OPEN)) for e in evs]
        assert client.post(f"/v1/sessions/{session}/events", json={"events": events}).status_code == 200
        assert client.post(f"/v1/sessions/{session}/advance", json={"now": NOW}).status_code == 200
    checked = client.post("/v1/check", params={"as_of": NOW}, json=CASE).json()
    verdicts = [client.get(f"/v1/sessions/{session}/cases/{case}").json() for case in ("S-1", "S-2")]
    job = client.post("/v1/batch", params={"policy": "saddad", "as_of": NOW}, content=CSV).json()["job"]
    deadline = time.monotonic() + 120
    while (state := client.get(f"/v1/batch/{job}").json())["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline, state
        time.sleep(0.2)
    assert state["state"] == "done", state
    for verdict in (checked, *verdicts):
        verdict.pop("decision_id")
    return {"check": checked, "verdicts": verdicts, "actions": client.get(f"/v1/sessions/{session}/actions").json(),
            "rows": state["verdicts"]}


def _deadline(verdict: dict) -> str:
    return next(f["status"] for f in verdict["findings"] if f["kind"] == "deadline")


def test_the_configuration_is_read_once_when_the_service_starts(tmp_path):
    (tmp_path / "tokens").write_text(TOKEN + "\n", encoding="utf-8")
    (tmp_path / "tokens").chmod(0o600)
    (tmp_path / "policykit.toml").write_text("[policykit]\n", encoding="utf-8")  # nothing said: the defaults
    process, client = _start(tmp_path)
    try:
        before = _answers(client, "first")
        assert before["check"]["reading"] == "intended" and _deadline(before["check"]) == "met"
        assert {row["reading"] for row in before["rows"]} == {"intended"}
        (tmp_path / "policykit.toml").write_text('[policykit]\nreading = "literal"\n[policykit.at_risk]\n'
                                                 'fraction = 0.9\nworking_days = 9\n', encoding="utf-8")
        assert _answers(client, "first") == before  # the sessions held, and the ones opened since
        assert _answers(client, "second") == before
        client.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    # the file is what a service started now reads
    process, client = _start(tmp_path)
    try:
        after = _answers(client, "third")
        assert after["check"]["reading"] == "literal" and _deadline(after["check"]) == "breached"  # answered early
        assert {row["reading"] for row in after["rows"]} == {"literal"}
        client.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
