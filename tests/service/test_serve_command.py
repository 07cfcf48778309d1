"""`policykit serve` itself: its refusals, and a real process answering on loopback."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time

import pytest

from policykit.cli import main


def run(*argv: str, env: dict | None = None) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    old = dict(os.environ)
    os.environ.pop("POLICYKIT_TOKENS", None)
    os.environ.update(env or {})
    try:
        code = main(list(argv), out, err)
    finally:
        os.environ.clear()
        os.environ.update(old)
    return code, err.getvalue()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "127.example.org", "127.0.0.1.example.org"])
def test_no_token_means_loopback_only(host):
    code, err = run("serve", "--host", host)
    assert code == 2
    assert err.startswith("--host: no-token: refusing to listen on") and "Traceback" not in err


def test_loopback_is_an_address_of_127_0_0_0_8_or_1_or_localhost():
    """A host name that merely starts with "127." may resolve to any address: it was taken for loopback."""
    from policykit.service.settings import is_loopback

    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "127.255.0.9", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("127.example.org", "0.0.0.0", "::", "128.0.0.1", "", "127.0.0.1.nip.io"))


def test_a_weak_or_unreadable_token_file_is_refused(tmp_path):
    weak = tmp_path / "tokens"
    weak.write_text("abc\n", encoding="utf-8")
    code, err = run("serve", "--tokens", str(weak))
    assert code == 2 and "weak-token" in err and "abc" not in err
    code, err = run("serve", "--tokens", str(tmp_path / "missing"))
    assert code == 2 and "file-unreadable" in err


def test_a_store_that_cannot_be_a_directory_is_a_clear_error(tmp_path):
    """`--store` naming an existing file (say an SQLite file) was an internal error (FileExistsError)."""
    existing = tmp_path / "store.db"
    existing.write_bytes(b"")
    for store in (existing, existing / "below"):
        code, err = run("serve", "--port", "0", "--store", str(store), "--no-decision-log")
        assert code == 2, err
        assert err.startswith("--store: store-unavailable: ") and "internal error" not in err, err
        assert err.count("\n") == 1


def test_a_decision_log_that_cannot_be_written_is_a_clear_error(tmp_path):
    """A directory, or a file in a missing directory, as --decision-log was an internal error."""
    for log in (tmp_path, tmp_path / "missing" / "decisions.jsonl"):
        code, err = run("serve", "--port", "0", "--store", str(tmp_path / "store"), "--decision-log", str(log))
        assert code == 2, err
        assert err.startswith("--decision-log: output-unwritable: ") and err.count("\n") == 1, err


@pytest.mark.parametrize("option,value", [("--max-body", "0"), ("--max-body", "-1"), ("--time-limit", "0"),
                                          ("--time-limit", "-5"), ("--time-limit", "nan")])
def test_limits_that_would_refuse_every_request_are_refused(tmp_path, option, value):
    """They started a service that answered every body 413 or every request 503 (NaN: 500 on each request)."""
    code, err = run("serve", "--port", "0", "--store", str(tmp_path / "store"), "--no-decision-log", option, value)
    assert code == 2, err
    assert err.startswith(f"{option}: invalid-value: ") and err.count("\n") == 1, err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_command_serves_on_loopback(tmp_path):
    import httpx

    port = free_port()
    env = {**os.environ, "POLICYKIT_TOKENS": "process-token-0123456789"}
    process = subprocess.Popen([sys.executable, "-m", "policykit", "serve", "--port", str(port), "--host",
                                "127.0.0.1"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read()
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.2)
        assert answer.json()["status"] == "ok"
        headers = {"Authorization": "Bearer process-token-0123456789"}
        assert httpx.get(f"http://127.0.0.1:{port}/v1/policies", headers=headers).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/v1/policies").status_code == 401
        assert "server" not in answer.headers  # no software banner
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert (tmp_path / "policykit-sessions").is_dir()  # the default store: in the working directory


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = run("serve", "--port", str(port), "--no-decision-log")
    assert code == 2 and err.splitlines() == [
        f"--port: address-unavailable: cannot listen on 127.0.0.1:{port}: address already in use; choose another "
        "--port, or stop what listens there"]


def test_a_host_that_is_not_this_machines_is_one_line_and_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, err = run("serve", "--host", "127.0.0.1.invalid", "--port", "0", "--no-decision-log",
                    env={"POLICYKIT_TOKENS": "a-token-long-enough-0123"})
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("--host: address-unavailable: cannot listen on 127.0.0.1.invalid: ")


def test_port_0_serves_on_the_port_the_system_chose_and_says_which(tmp_path):
    import httpx

    env = {**os.environ, "POLICYKIT_TOKENS": "process-token-0123456789"}
    process = subprocess.Popen([sys.executable, "-m", "policykit", "serve", "--port", "0", "--no-decision-log"],
                               cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        banner = process.stderr.readline()
        assert banner.startswith("policykit serve: http://127.0.0.1:") and ":0/" not in banner, banner
        port = int(banner.split("127.0.0.1:")[1].split("/")[0])
        deadline = time.monotonic() + 30
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()["status"] == "ok"
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=20)


def _served_addresses(monkeypatch, tmp_path, *argv) -> tuple[int, str, list]:
    """`policykit serve *argv` up to uvicorn's start: its exit code, its stderr and the addresses handed over."""
    import uvicorn

    handed = []

    def started(server, sockets=None):
        handed.extend(sock.getsockname()[:2] for sock in sockets)
        for sock in sockets:
            sock.close()

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(uvicorn.Server, "run", started)
    code, err = run("serve", *argv, "--no-decision-log")
    return code, err, handed


def test_localhost_is_served_on_each_of_its_addresses(tmp_path, monkeypatch):
    """Where `localhost` is ::1 first, then 127.0.0.1 (Debian's /etc/hosts), both answer: the first alone left
    every IPv4 client (curl http://127.0.0.1:…, the banner's host read as IPv4) refused."""
    real = socket.getaddrinfo

    def both(host, *args, **kwargs):
        if host == "localhost":
            return real("::1", *args, **kwargs) + real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", both)
    code, err, handed = _served_addresses(monkeypatch, tmp_path, "--host", "localhost", "--port", "0")
    assert code == 0, err
    assert sorted(address for address, _ in handed) == ["127.0.0.1", "::1"]
    assert len({port for _, port in handed}) == 1 and f"http://localhost:{handed[0][1]}/" in err


def test_a_bracketed_ipv6_address_is_served(tmp_path, monkeypatch):
    code, err, handed = _served_addresses(monkeypatch, tmp_path, "--host", "[::1]", "--port", "0")
    assert code == 0, err
    assert [address for address, _ in handed] == ["::1"] and f"http://[::1]:{handed[0][1]}/" in err


def test_an_address_that_is_not_this_machines_is_told_at_host(tmp_path, monkeypatch):
    """192.0.2.1 (a documentation address) is no address of this machine: the fault is --host's, not --port's."""
    monkeypatch.chdir(tmp_path)
    code, err = run("serve", "--host", "192.0.2.1", "--port", "0", "--no-decision-log",
                    env={"POLICYKIT_TOKENS": "a-token-long-enough-0123"})
    assert code == 2 and err.startswith("--host: address-unavailable: cannot listen on 192.0.2.1:0: "), err
    assert len(err.splitlines()) == 1


def test_a_second_service_on_one_sqlite_store_is_refused_at_start(tmp_path):
    """Each session's SQLite file is held by one process, but a second `serve` on the same --store started, served
    the sessions the first had not opened, and answered 503 store-locked for the others (which ones depending on
    who opened what first). Now it is refused at start, one line, exit 2; the first serves on."""
    import httpx

    from .conftest import serve_process

    env = {**os.environ, "POLICYKIT_TOKENS": "process-token-0123456789"}
    first, base = serve_process(tmp_path, "--store", "store", "--no-decision-log", env=env)
    headers = {"Authorization": "Bearer process-token-0123456789"}
    try:
        second = subprocess.run([sys.executable, "-m", "policykit", "serve", "--port", str(free_port()), "--store",
                                 "store", "--no-decision-log", "--jobs-dir", "jobs2"], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 2, second.stderr
        assert second.stderr.startswith("--store: store-locked: ") and second.stderr.count("\n") == 1, second.stderr
        put = httpx.put(f"{base}/v1/sessions/one", json={"policy": "harif"}, headers=headers)
        assert put.status_code == 201, put.text
    finally:
        first.terminate()
        first.wait(timeout=20)
    # the lock goes with the process: the store is served again once it has ended
    from policykit.service.sessions import SessionHub

    hub = SessionHub(str(tmp_path / "store"))
    assert hub.get("one").policy_id == "harif"
    hub.close()


def test_a_bad_limit_in_the_environment_is_refused_at_start(tmp_path):
    """POLICYKIT_MAX_DEPTH=abc: the service started, then answered every check and every session 422
    invalid-limit, the operator's mistake told to each client as its input's. Now one line at start, exit 2."""
    env = {**os.environ, "POLICYKIT_MAX_DEPTH": "abc"}
    env.pop("POLICYKIT_TOKENS", None)
    try:
        done = subprocess.run([sys.executable, "-m", "policykit", "serve", "--port", "0", "--store", "store",
                               "--no-decision-log", "--jobs-dir", "jobs"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("the service started with a bad limit")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("POLICYKIT_MAX_DEPTH: invalid-limit: ") and done.stderr.count("\n") == 1, done.stderr


def test_the_store_directory_lock_is_never_opened_through_a_link(tmp_path):
    """The lock file is opened for writing; a link planted in its place is refused, not followed."""
    from policykit.diagnostics import PolicykitError
    from policykit.service.sessions import SessionHub

    target = tmp_path / "elsewhere"
    target.write_text("not the service's\n", encoding="utf-8")
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "serve.lock").symlink_to(target)
    with pytest.raises(PolicykitError) as refused:
        SessionHub(str(tmp_path / "store"))
    assert refused.value.first.code == "store-unavailable"
    assert target.read_text(encoding="utf-8") == "not the service's\n"


def _held_open(base: str, token: str):
    """A raw connection holding a POST /v1/check in flight: its headers sent, its body not yet."""
    import socket as sockets
    from urllib.parse import urlsplit

    where = urlsplit(base)
    held = sockets.create_connection((where.hostname, where.port), timeout=10)
    held.sendall(f"POST /v1/check HTTP/1.1\r\nHost: {where.netloc}\r\nAuthorization: Bearer {token}\r\n"
                 "Content-Type: application/json\r\nContent-Length: 400\r\n\r\n{".encode("ascii"))
    return held


def test_overload_is_answered_503_in_the_errors_shape(tmp_path):
    """Past the requests it takes at once, `policykit serve` answered uvicorn's own plain-text 503 ("Service
    Unavailable", no Retry-After): the app now refuses them itself, `{"errors": [overloaded]}` with Retry-After, and
    takes requests again once those in flight are answered; /healthz is still answered."""
    import httpx

    from .conftest import serve_process

    token = "process-token-0123456789"
    env = {**os.environ, "POLICYKIT_TOKENS": token}
    process, base = serve_process(tmp_path, "--store", "store", "--no-decision-log", "--jobs-dir", "jobs",
                                  "--max-concurrent", "2", env=env)
    headers = {"Authorization": f"Bearer {token}"}
    held = []
    try:
        held = [_held_open(base, token) for _ in range(2)]
        deadline = time.monotonic() + 20
        while True:  # the two are in flight once the service has read their headers
            refused = httpx.get(f"{base}/v1/policies", headers=headers)
            if refused.status_code == 503 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert refused.status_code == 503, refused.text
        assert refused.headers["retry-after"] == "5"
        assert refused.headers["content-type"].startswith("application/json")
        assert refused.json() == {"errors": [{"code": "overloaded", "message": "the service is answering 2 requests, "
                                              "as many as it takes at once", "path": None, "line": None, "col": None}]}
        assert httpx.get(f"{base}/healthz").status_code == 200
        for connection in held:
            connection.close()
        deadline = time.monotonic() + 20
        while httpx.get(f"{base}/v1/policies", headers=headers).status_code != 200:
            assert time.monotonic() < deadline, "the service did not take requests again"
            time.sleep(0.1)
    finally:
        for connection in held:
            connection.close()
        process.terminate()
        process.wait(timeout=20)


def test_max_concurrent_below_one_is_refused(tmp_path):
    done = subprocess.run([sys.executable, "-m", "policykit", "serve", "--max-concurrent", "0"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == "--max-concurrent: invalid-value: --max-concurrent must be at least 1\n"


def test_a_session_being_restored_holds_up_no_other_session(tmp_path, monkeypatch):
    """The hub restored a session from its store while holding the lock every request takes: a large store's
    restore (seconds) held up the requests for every other session. It is now restored under a lock of its own;
    another session is answered meanwhile, and two requests for the restoring one get the one session."""
    import threading
    import time

    from policykit import live
    from policykit.service.sessions import SessionHub

    hub = SessionHub(str(tmp_path / "store"))
    for name in ("slow", "quick"):
        hub.put(name, "harif")
    hub.close()
    restoring, release = threading.Event(), threading.Event()
    real = live.LiveSession

    class SlowToRestore(real):  # the store of "slow" takes long to read
        def __init__(self, *args, store=None, **kwargs):
            if "session-slow" in str(store):
                restoring.set()
                release.wait(20)
            super().__init__(*args, store=store, **kwargs)

    monkeypatch.setattr(live, "LiveSession", SlowToRestore)
    hub = SessionHub(str(tmp_path / "store"))
    got = []
    slow = [threading.Thread(target=lambda: got.append(hub.get("slow"))) for _ in range(2)]
    for thread in slow:
        thread.start()
    assert restoring.wait(20)
    started = time.monotonic()
    assert hub.get("quick").policy_id == "harif"
    waited = time.monotonic() - started
    release.set()
    for thread in slow:
        thread.join(20)
    assert waited < 5, f"the other session waited {waited:.1f} s for the restore"
    assert len(got) == 2 and got[0] is got[1] and got[0].policy_id == "harif"
    hub.close()
