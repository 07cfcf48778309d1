"""Two `policykit serve` processes on one PostgreSQL store (a throwaway cluster, see conftest.postgres_url): each
sees the events the other acknowledged, and an event posted to both is stored once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid

import pytest

from .conftest import needed

TOKEN = "a-token-of-the-two-processes-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(tmp_path, name: str, url: str):
    """A `policykit serve` child process on a free loopback port, its own working directory; (process, base URL)."""
    import httpx

    folder = tmp_path / name
    folder.mkdir()
    (folder / "tokens").write_text(TOKEN + "\n", encoding="utf-8")
    port = _free_port()
    child = subprocess.Popen([sys.executable, "-m", "policykit", "serve", "--port", str(port), "--store", url,
                              "--tokens", "tokens", "--no-decision-log"], cwd=folder,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"serve exited: {child.stderr.read().decode()[-400:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return child, base
        except httpx.HTTPError:
            time.sleep(0.2)
    child.kill()
    raise RuntimeError("serve did not start")


def _client(base: str):
    import httpx

    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)


def test_two_service_processes_share_one_postgres_store(postgres_url, tmp_path):
    needed("fastapi")
    session = "shared_" + uuid.uuid4().hex[:8]
    first, a_url = _serve(tmp_path, "a", postgres_url)
    second, b_url = _serve(tmp_path, "b", postgres_url)
    try:
        with _client(a_url) as a, _client(b_url) as b:
            for client in (a, b):
                assert client.put(f"/v1/sessions/{session}", json={"policy": "harif"}).status_code in (200, 201)
            events = [{"case_id": "H-1", "id": "e1", "type": "request_received", "at": "2025-03-02T09:00:00+03:00",
                       "channel": "phone"},
                      {"case_id": "H-1", "id": "e2", "type": "request_completed", "at": "2025-03-04T10:00:00+03:00"}]
            posted = a.post(f"/v1/sessions/{session}/events", json={"events": events})
            assert posted.status_code == 200, posted.text
            assert [e["duplicate"] for e in posted.json()] == [False, False]
            # B sees what A acknowledged: the case, its events and the deadline they started
            seen = b.get(f"/v1/sessions/{session}/cases/H-1")
            assert seen.status_code == 200, seen.text
            deadline = [f for f in seen.json()["findings"] if f["kind"] == "deadline"]
            assert deadline and deadline[0]["trigger_at"].startswith("2025-03-04")
            # the same event posted to B is a duplicate: stored once
            again = b.post(f"/v1/sessions/{session}/events", json={"events": events[1:]})
            assert again.status_code == 200 and again.json()[0]["duplicate"] is True, again.text
            # and an event B takes, A sees
            decision = {"case_id": "H-1", "id": "e3", "type": "decision_notified", "at": "2025-03-05T10:00:00+03:00",
                        "outcome": "approved", "channel": "phone"}
            assert b.post(f"/v1/sessions/{session}/events", json={"events": [decision]}).json()[0]["duplicate"] is False
            judged = a.get(f"/v1/sessions/{session}/cases/H-1").json()
            assert any(f["kind"] == "deadline" and f["status"] == "met" for f in judged["findings"]), judged
    finally:
        for child in (first, second):
            child.terminate()
            child.wait(timeout=30)


def test_one_put_serves_every_process_and_the_clock_is_shared(postgres_url, tmp_path):
    needed("fastapi")
    session = "one_put_" + uuid.uuid4().hex[:8]
    first, a_url = _serve(tmp_path, "a", postgres_url)
    second, b_url = _serve(tmp_path, "b", postgres_url)
    try:
        with _client(a_url) as a, _client(b_url) as b:
            assert a.put(f"/v1/sessions/{session}", json={"policy": "harif"}).status_code == 201
            # B was never told of the session: the shared registry names it, with its policy
            events = [{"case_id": "H-7", "id": "r", "type": "request_received", "at": "2025-03-02T09:00:00+03:00",
                       "channel": "phone"},
                      {"case_id": "H-7", "id": "c", "type": "request_completed", "at": "2025-03-04T10:00:00+03:00"}]
            posted = b.post(f"/v1/sessions/{session}/events", json={"events": events})
            assert posted.status_code == 200, posted.text
            existing = b.put(f"/v1/sessions/{session}", json={"policy": "harif"})
            assert existing.status_code == 200 and existing.json()["open_cases"] == 1
            # A describes the session with the case B took (its description counted only what A had taken in)
            assert a.get(f"/v1/sessions/{session}").json()["open_cases"] == 1
            other = b.put(f"/v1/sessions/{session}", json={"policy": "saddad"})
            assert other.status_code == 422 and other.json()["errors"][0]["code"] == "session-policy-mismatch"
            # A moves the clock past the 15 working days: B judges at that clock too
            assert a.post(f"/v1/sessions/{session}/advance", json={"now": "2025-05-01T00:00:00+03:00"}).status_code == 200
            seen = b.get(f"/v1/sessions/{session}/cases/H-7").json()
            assert seen["as_of"].startswith("2025-05-01"), seen["as_of"]
            assert [f["status"] for f in seen["findings"] if f["kind"] == "deadline"] == ["breached"]
            overdue = b.get(f"/v1/sessions/{session}/actions").json()
            assert overdue and overdue[0]["case_id"] == "H-7" and overdue[0]["overdue"] is True
            # the shared clock only goes forward: B cannot take it back behind A's
            back = b.post(f"/v1/sessions/{session}/advance", json={"now": "2025-04-01T00:00:00+03:00"})
            assert back.status_code == 422 and back.json()["errors"][0]["code"] == "clock-went-back"
        second.terminate()
        second.wait(timeout=30)
        second, b_url = _serve(tmp_path, "b2", postgres_url)  # a new process: the clock comes from the registry
        with _client(b_url) as b:
            assert b.get(f"/v1/sessions/{session}/cases/H-7").json()["as_of"].startswith("2025-05-01")
            assert b.get("/v1/sessions/never_put_anywhere/cases/H-7").status_code == 404
    finally:
        for child in (first, second):
            child.terminate()
            child.wait(timeout=30)


def test_the_registry_outlives_a_lost_connection(postgres_url):
    """PostgreSQL restarted, or an idle connection cut by a proxy: the next request is answered, not refused."""
    import psycopg

    from policykit.service.registry import PostgresRegistry

    registry = PostgresRegistry(postgres_url, "the test cluster")
    try:
        name = "lost_" + uuid.uuid4().hex[:8]
        assert registry.add(name, "harif") == "harif"
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (registry.db.info.backend_pid,))
        assert registry.find(name) == ("harif", None)
    finally:
        registry.close()


def test_a_registry_that_cannot_be_reached_is_503_not_invalid_input(postgres_url, tmp_path, caplog):
    """The database down is the service's trouble, to be tried again, not the caller's input (422); the client is
    not told where the database is (the driver's message named its host and port, or its socket's path): the
    server's log is."""
    needed("fastapi")
    import psycopg
    from starlette.testclient import TestClient

    from policykit.service import create_app
    from policykit.service.settings import ServiceSettings

    app = create_app(ServiceSettings(tokens=("pg-down-token-0123456789",), store=postgres_url,
                                     jobs_dir=str(tmp_path / "jobs"), decision_log=None))
    service = app.app.state.service
    session = "down_" + uuid.uuid4().hex[:8]
    with TestClient(app, headers={"Authorization": "Bearer pg-down-token-0123456789"}) as client:
        assert client.put(f"/v1/sessions/{session}", json={"policy": "harif"}).status_code == 201
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (service.sessions.registry.db.info.backend_pid,))
        service.sessions.registry.url = "postgresql://127.0.0.1:1/nowhere"  # and it cannot come back
        with caplog.at_level("WARNING", logger="policykit.service"):
            answer = client.get(f"/v1/sessions/{session}/actions")
        assert answer.status_code == 503, answer.text
        assert answer.json()["errors"][0]["code"] == "store-unavailable"
        assert "127.0.0.1" not in answer.text and "port 1" not in answer.text, answer.text
        logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "policykit.service")
        assert "store-unavailable on GET /v1/sessions/{name}/actions" in logged and "127.0.0.1" in logged, logged
        assert session not in logged  # the route's template, not the path


def test_no_session_name_shares_another_ones_schema():
    """A name too long for an identifier gets a digest schema: a name that is that digest got the same schema, and
    two sessions one store."""
    import hashlib

    from policykit.service.sessions import pg_schema

    long = "a" * 64
    digest = hashlib.blake2b(long.encode("utf-8"), digest_size=16).hexdigest()
    assert pg_schema(long) != pg_schema(digest)
    assert pg_schema("harif_1") == "session_harif_1" and len(pg_schema(long).encode()) <= 63


def test_a_put_of_an_existing_session_answers_the_shared_clock(postgres_url):
    """Another process moved the clock: the PUT's `now` is that clock, not this process's older one."""
    from policykit.service import live_ops
    from policykit.service.sessions import SessionHub

    name = "put_clock_" + uuid.uuid4().hex[:8]
    a, b = SessionHub(postgres_url), SessionHub(postgres_url)
    try:
        a.put(name, "harif")
        b.put(name, "harif")
        held = a.get(name)
        live_ops.advance(held, "2025-05-01T00:00:00+03:00")
        a.save_clock(held)
        found, created = b.put(name, "harif")
        assert not created and (found.describe()["now"] or "").startswith("2025-05-01"), found.describe()
    finally:
        a.close()
        b.close()


def test_a_sessions_store_outlives_a_lost_connection(postgres_url, tmp_path):
    """PostgreSQL restarted (its connections ended): the first post after it was 422 store-write-failed, invalid
    input to the client, for a connection the service could make again at once, as its registry does."""
    needed("fastapi")
    import psycopg

    session = "reconnect_" + uuid.uuid4().hex[:8]
    child, base = _serve(tmp_path, "a", postgres_url)
    events = [{"case_id": "H-1", "id": f"e{i}", "type": kind, "at": at, **extra} for i, (kind, at, extra) in
              enumerate([("request_received", "2025-03-02T09:00:00+03:00", {"channel": "phone"}),
                         ("request_completed", "2025-03-04T10:00:00+03:00", {}),
                         ("applicant_informed", "2025-03-05T10:00:00+03:00", {})])]
    try:
        with _client(base) as client:
            assert client.put(f"/v1/sessions/{session}", json={"policy": "harif"}).status_code == 201
            assert client.post(f"/v1/sessions/{session}/events", json={"events": events[:1]}).status_code == 200
            for step, (method, path, body) in enumerate([
                    ("POST", "events", {"events": events[1:2]}), ("GET", "cases/H-1", None),
                    ("POST", "advance", {"now": "2025-03-06T00:00:00+03:00"}), ("GET", "actions", None),
                    ("POST", "events", {"events": events[2:]})]):
                with psycopg.connect(postgres_url, autocommit=True) as admin:  # as a restart ends them
                    admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> "
                                  "pg_backend_pid() AND backend_type = 'client backend'")
                answer = client.request(method, f"/v1/sessions/{session}/{path}", json=body)
                assert answer.status_code == 200, (step, answer.text)
            again = client.post(f"/v1/sessions/{session}/events", json={"events": events})
            assert [e["duplicate"] for e in again.json()] == [True, True, True]  # each stored once
    finally:
        child.terminate()
        child.wait(timeout=30)
