"""A session's store that fails under `policykit serve` (a real process, its files limited in size): the service's
trouble, answered 503 with Retry-After, never 422 (which tells a client its input is wrong and not to send it
again); nothing of the failed post is acknowledged, and the session goes on."""

from __future__ import annotations

import os
import sys

import pytest

TOKEN = "store-failure-token-0123456789"


def _limit_files(size: int):
    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))  # a write past it fails (EFBIG), as on a full disk
    return limit


def _events(batch: int, size: int = 50) -> list[dict]:
    return [{"case_id": f"C{batch}-{j}", "id": f"e{batch}-{j}", "type": "request_received",
             "at": "2025-03-02T09:00:00+03:00", "channel": "interview"} for j in range(size)]


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="RLIMIT_FSIZE: Linux")
def test_a_store_write_that_fails_is_503_with_retry_after_and_the_session_goes_on(tmp_path):
    import httpx

    from .conftest import serve_process

    (tmp_path / "tokens").write_text(TOKEN + "\n", encoding="utf-8")
    (tmp_path / "tokens").chmod(0o600)
    # Python ignores SIGXFSZ: a write past the limit is an error the store meets, not the process killed
    process, base = serve_process(tmp_path, "--tokens", "tokens", "--no-decision-log",
                                  preexec_fn=_limit_files(300_000))
    try:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as client:
            assert client.put("/v1/sessions/full", json={"policy": "harif"}).status_code == 201
            acknowledged = 0
            for batch in range(400):
                answer = client.post("/v1/sessions/full/events", json={"events": _events(batch)})
                if answer.status_code != 200:
                    break
                acknowledged += 1
            else:
                pytest.fail("the store never filled up")
            assert acknowledged > 0
            assert answer.status_code == 503, answer.text
            assert [e["code"] for e in answer.json()["errors"]] == ["store-write-failed"]
            assert answer.headers["retry-after"] == "5"
            # the session goes on: what was acknowledged is there, nothing of the failed post
            held = client.put("/v1/sessions/full", json={"policy": "harif"}).json()
            assert held["open_cases"] == 50 * acknowledged
            assert client.get("/v1/sessions/full/cases/C0-0").status_code == 200
            assert client.get(f"/v1/sessions/full/cases/C{acknowledged}-0").status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=30)
