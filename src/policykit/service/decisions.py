"""The decision log: one JSONL line per decision (id, policy digest, case id, status, time), nothing personal."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import uuid


def new_decision_id() -> str:
    """A random, unique decision id."""
    return uuid.uuid4().hex


class DecisionLog:
    """Appends decisions to a JSONL file; `path=None` keeps no log."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._file = None
        if path:
            # created readable by its owner only: case ids are the association's records
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self._file = os.fdopen(descriptor, "a", encoding="utf-8", buffering=1)

    def record(self, decision_id: str, policy_digest: str, case_id: str, status: str) -> None:
        """Append one decision; a subject or attribute never reaches this line."""
        if self._file is None:
            return
        line = json.dumps({"decision_id": decision_id, "policy_digest": policy_digest, "case_id": case_id,
                           "status": status, "time": dt.datetime.now(dt.timezone.utc).isoformat()},
                          ensure_ascii=False)
        with self._lock:
            self._file.write(line + "\n")

    def close(self) -> None:
        """Flush and close the file."""
        if self._file is not None:
            with self._lock:
                self._file.close()
                self._file = None
