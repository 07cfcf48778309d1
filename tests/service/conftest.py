"""A real uvicorn server on 127.0.0.1 (random port), in a thread of the test process, for every service test."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
TOKEN = "test-token-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "harif" / "late_decision.yaml"


NEEDED = ("fastapi", "uvicorn", "httpx", "python_multipart")


def need(*modules: str) -> None:
    """Skip without `modules` (pip install '.[all,test]'); in CI (CI=true) they must be there: fail."""
    for module in modules:
        try:
            __import__(module)
        except ImportError:
            if IN_CI:
                pytest.fail(f"{module} is missing in CI: install '.[all,test]'")
            pytest.skip(f"{module} is not installed: pip install '.[all,test]'")


@pytest.fixture(autouse=True)
def _service_installed():
    need(*NEEDED)


class Running:
    """A started server: its base URL and the headers that carry the token."""

    def __init__(self, url: str, settings, app) -> None:
        self.url, self.settings, self.app = url, settings, app
        self.auth = {"Authorization": f"Bearer {settings.tokens[0]}"} if settings.tokens else {}

    def client(self, **kwargs):
        import httpx

        return httpx.Client(base_url=self.url, headers=self.auth, timeout=30, **kwargs)


@contextlib.contextmanager
def serving(tmp: Path, **fields):
    """Serve an app with ServiceSettings(**fields) (store and decision log under `tmp`) until the block ends."""
    import uvicorn

    from policykit.service import create_app
    from policykit.service.settings import ServiceSettings

    fields.setdefault("tokens", (TOKEN,))
    fields.setdefault("store", str(tmp / "sessions"))
    fields.setdefault("decision_log", str(tmp / "decisions.jsonl"))
    fields.setdefault("jobs_dir", str(tmp / "jobs"))
    settings = ServiceSettings(**fields)
    app = create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield Running(f"http://127.0.0.1:{port}", settings, app)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for a test module, with a token."""
    need(*NEEDED)
    with serving(tmp_path_factory.mktemp("service")) as running:
        yield running


@pytest.fixture(scope="module")
def api(server):
    """An HTTP client of the module's server, carrying the token."""
    with server.client() as client:
        yield client


@pytest.fixture
def serve():
    """`serve(tmp, **settings)`: a context manager running another server."""
    return serving


@pytest.fixture
def example() -> Path:
    """The bundled example case that breaches harif's deadline."""
    return EXAMPLE


@pytest.fixture
def token() -> str:
    return TOKEN


def serve_process(cwd, *argv: str, env: dict | None = None, **popen):
    """A `policykit serve --port P *argv` child process in `cwd`, on a free loopback port, once it answers /healthz:
    (process, base URL). Its stderr is a text pipe."""
    import subprocess
    import sys

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "policykit", "serve", "--port", str(port), *argv], cwd=cwd,
                               env=env if env is not None else dict(os.environ), stderr=subprocess.PIPE, text=True,
                               **popen)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a loaded CI machine takes a while to import the service
    while True:
        try:
            httpx.get(f"{base}/healthz", timeout=2)
            return process, base
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the service did not start: {process.stderr.read()[-400:]}")
            time.sleep(0.2)
