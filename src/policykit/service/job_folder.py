"""One batch job on disk: its folder holds the upload, its record (`job.json`) and, once done, its verdicts.

Kept on disk so that a job the service accepted (202) survives a restart and is seen by every service process
working on the same jobs folder. The record is written whole (`AtomicFile`) and fsynced before the 202; the job
is run by whichever process holds its lock (`flock`, released by the kernel when that process dies). A job's
folder is made, and removed, under another name then renamed, so that one named by a job id is always whole: a
process killed half-way leaves a `.part` or `.gone` folder, which the next runner on the folder removes."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

from ..atomic import _writer, left_by_killed_writers, write_atomic
from .file_lock import try_lock

RECORD, VERDICTS, PROGRESS, LOCK = "job.json", "verdicts.jsonl", "progress.json", "lock"
# a job id is what uuid4().hex gives: anything else names no folder (no path from a request is followed)
_JOB_ID = re.compile(r"[0-9a-f]{32}")
# a job's folder while it is made or removed: the job id, then its writer's host and process (as AtomicFile names parts)
_UNNAMED = r"\.[0-9a-f]{32}\.{writer}\.(part|gone)"


def is_job_id(text: str) -> bool:
    """Whether `text` can be a job's id."""
    return bool(_JOB_ID.fullmatch(text))


class JobFolder:
    """The folder of job `job_id` under `root`."""

    def __init__(self, root: Path, job_id: str, path: Path | None = None) -> None:
        if not is_job_id(job_id):
            raise ValueError("not a job id")
        self.id, self.path = job_id, path or root / job_id
        self._lock_fd: int | None = None

    def create(self, body: bytes, record: dict) -> None:
        """Store the upload and the record (both reach the disk, and so do their names): from here on the job is
        accepted. They are written in a folder of another name, renamed to the job's once both are whole."""
        part = self.path.parent / f".{self.id}.{_writer()}.part"
        part.mkdir(mode=0o700)
        try:
            write_atomic(part / self.upload(record["format"]).name, body, mode=0o600)
            JobFolder(part.parent, self.id, part).write(record)
            _sync_directory(part)
            os.rename(part, self.path)
            _sync_directory(self.path.parent)
        except BaseException:
            shutil.rmtree(part, ignore_errors=True)
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
        try:
            fd = try_lock(self.path / LOCK)
        except OSError:  # the folder was removed
            return False
        if fd is None:
            return False
        self._lock_fd = fd
        return True

    def release(self) -> None:
        """Give the lock back."""
        if self._lock_fd is not None:
            fd, self._lock_fd = self._lock_fd, None
            os.close(fd)

    def remove(self) -> None:
        """Remove the job and its files: renamed away first, so that no process finds part of it by its id."""
        gone = self.path.parent / f".{self.id}.{_writer()}.gone"
        try:
            os.rename(self.path, gone)
        except OSError:  # removed already
            return
        shutil.rmtree(gone, ignore_errors=True)


def remove_unnamed(root: Path) -> None:
    """Remove the folders that processes of this host killed while making or removing a job left (never a
    living process's: it is at work on them)."""
    for entry in left_by_killed_writers(str(root), _UNNAMED):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)


def _sync_directory(path: Path) -> None:
    """fsync a directory, so that the names made in it reach the disk (where the system can)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        import errno

        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):  # a file system that cannot: nothing more to do
            raise
    finally:
        os.close(fd)


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
