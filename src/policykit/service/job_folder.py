"""One batch job on disk: its folder holds the upload, its record (`job.json`) and, once done, its verdicts.

Kept on disk so that a job the service accepted (202) survives a restart and is seen by every service process
working on the same jobs folder. The record is written whole (`AtomicFile`) and fsynced before the 202; the job
is run by whichever process holds its lock (`flock`, released by the kernel when that process dies)."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

from ..atomic import write_atomic

RECORD, VERDICTS, PROGRESS, LOCK = "job.json", "verdicts.jsonl", "progress.json", "lock"
# a job id is what uuid4().hex gives: anything else names no folder (no path from a request is followed)
_JOB_ID = re.compile(r"[0-9a-f]{32}")


def is_job_id(text: str) -> bool:
    """Whether `text` can be a job's id."""
    return bool(_JOB_ID.fullmatch(text))


class JobFolder:
    """The folder of job `job_id` under `root`."""

    def __init__(self, root: Path, job_id: str) -> None:
        if not is_job_id(job_id):
            raise ValueError("not a job id")
        self.id, self.path = job_id, root / job_id
        self._lock_fd: int | None = None

    def create(self, body: bytes, record: dict) -> None:
        """Store the upload and the record (both reach the disk): from here on the job is accepted."""
        self.path.mkdir(mode=0o700)
        try:
            write_atomic(self.upload(record["format"]), body, mode=0o600)
            self.write(record)
        except BaseException:
            shutil.rmtree(self.path, ignore_errors=True)
            raise

    def upload(self, fmt: str) -> Path:
        """The uploaded export, named with its format's suffix (the batch readers dispatch on it)."""
        return self.path / f"upload.{fmt}"

    @property
    def verdicts(self) -> Path:
        return self.path / VERDICTS

    def record(self) -> dict | None:
        """The job's record; None when there is none (a folder being made or removed) or it is not whole."""
        try:
            record = json.loads((self.path / RECORD).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) and record.get("id") == self.id else None

    def write(self, record: dict, durable: bool = True) -> None:
        """Replace the record whole."""
        write_atomic(self.path / RECORD, json.dumps(record, ensure_ascii=False), mode=0o600, durable=durable)

    def progress(self) -> dict | None:
        """The progress the running process last wrote (None: none yet)."""
        try:
            found = json.loads((self.path / PROGRESS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) else None

    def write_progress(self, progress: dict) -> None:
        """What the running process has done so far, for the other processes' GET (not fsynced: it is redone)."""
        write_atomic(self.path / PROGRESS, json.dumps(progress), mode=0o600, durable=False)

    def claim(self) -> bool:
        """Take the job's lock without waiting; False when another process (or this one) holds it."""
        import fcntl

        try:
            fd = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        except OSError:  # the folder was removed
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    def release(self) -> None:
        """Give the lock back."""
        if self._lock_fd is not None:
            fd, self._lock_fd = self._lock_fd, None
            os.close(fd)

    def remove(self) -> None:
        """Remove the job and its files."""
        shutil.rmtree(self.path, ignore_errors=True)


def job_folders(root: Path) -> list[JobFolder]:
    """The jobs under `root`, oldest first (by their record's time of acceptance)."""
    found = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return []
    for entry in entries:
        if is_job_id(entry.name) and entry.is_dir(follow_symlinks=False):
            folder = JobFolder(root, entry.name)
            record = folder.record()
            found.append((record.get("accepted", 0) if record else time.time(), entry.name, folder))
    return [folder for *_, folder in sorted(found, key=lambda item: item[:2])]
