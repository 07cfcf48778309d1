"""Batch jobs: an uploaded export judged by the batch runner in the background; progress, then the results. Jobs
are kept on disk (job_folder), so an accepted job outlives the process that accepted it."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..atomic import remove_stale_parts
from ..batch.progress import NoProgress
from ..config import Settings, load_settings
from ..diagnostics import PolicykitError, Span
from .errors import ServiceError, error_body
from .export_options import log_options
from .job_folder import LOCK, PROGRESS, RECORD, VERDICTS, JobFolder, is_job_id, job_folders, remove_unnamed
from .job_process import Crashed, Stopped, judge_apart
from .responses import dumps

KEEP_JOBS = 100
# how a body's format is told: the `format` query value, else its media type, else its first bytes
MEDIA_TYPES = {"text/csv": "csv", "application/jsonl": "jsonl", "application/x-ndjson": "jsonl",
               "application/json": "jsonl", "application/vnd.apache.parquet": "parquet",
               "application/x-parquet": "parquet", "application/xml": "xes", "text/xml": "xes",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx"}
FORMATS = ("csv", "jsonl", "parquet", "xes", "xlsx")


def format_of(explicit: str | None, media_type: str | None, head: bytes) -> str:
    """The export's format (its file suffix for the batch readers' dispatch)."""
    if explicit:
        if explicit not in FORMATS:
            raise PolicykitError.single("invalid-value", f"format must be one of {', '.join(FORMATS)}",
                                        path=("format",))
        return explicit
    media = (media_type or "").split(";")[0].strip().lower()
    if media in MEDIA_TYPES:
        return MEDIA_TYPES[media]
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return "xes"
    if stripped.startswith(b"{"):
        return "jsonl"
    return "csv"


class Progress(NoProgress):
    """The batch runner's progress in a job's process, written to the job's folder (`sink`) for GET
    /v1/batch/{job} in every process, at most every `SINK_EVERY_S`."""

    SINK_EVERY_S = 0.5

    def __init__(self, sink=None) -> None:
        self.phase, self.total, self.done, self.unit, self.exact = "queued", None, 0.0, "rows", True
        self._sink, self._sunk = sink, 0.0

    def start(self, label: str, total: float | None, unit: str = "rows", exact: bool = True) -> None:
        self.phase, self.total, self.done, self.unit, self.exact = label, total, 0.0, unit, exact
        self._share(force=True)

    def advance(self, amount: float) -> None:
        self.done += amount
        self._share()

    def to_dict(self) -> dict:
        """`{phase, done, total, unit, exact}` (`exact` False when the total is an estimate)."""
        return {"phase": self.phase, "done": self.done, "total": self.total, "unit": self.unit, "exact": self.exact}

    def _share(self, force: bool = False) -> None:
        if self._sink is None or (not force and time.monotonic() - self._sunk < self.SINK_EVERY_S):
            return
        self._sunk = time.monotonic()
        try:
            self._sink(self.to_dict())
        except OSError:  # progress is a courtesy: the job goes on
            pass


class FolderProgress:
    """The progress of a job judged in its own process, as that process last wrote it to the job's folder."""

    def __init__(self, folder: JobFolder) -> None:
        self.folder = folder

    def to_dict(self) -> dict:
        """`{phase, done, total, unit, exact}`, queued until the process has written any."""
        return self.folder.progress() or Progress().to_dict()


class Job:
    """One batch job as its record holds it: queued, running, done or failed."""

    def __init__(self, folder: JobFolder, record: dict, progress: dict | None = None) -> None:
        self.id, self.folder, self.record = folder.id, folder, record
        self.state: str = record["state"]
        self.policy_id: str = record["policy"]
        self.summary: dict | None = record.get("summary")
        self.rejects: list[dict] = record.get("rejects") or []  # the rows rejected, {line, reason}
        self.errors: list[dict] = record.get("errors") or []
        self.settings: tuple = (record["as_of"], record["reading"])  # (as_of, reading) it is judged with
        self.log: Path = folder.upload(record["format"])  # the upload, kept while the job is, for its Excel verdicts
        self.progress = progress or Progress().to_dict()

    def to_dict(self) -> dict:
        """The job as GET /v1/batch/{job} answers it."""
        if self.state == "done":
            return {"job": self.id, "state": "done", "summary": self.summary, "verdicts": self.verdicts}
        if self.state == "failed":
            return {"job": self.id, "state": "failed", "errors": self.errors}
        return {"job": self.id, "state": self.state, "progress": self.progress}

    def to_json(self) -> bytes:
        """`to_dict()` as JSON, the verdict rows spliced in as the batch runner wrote them (not parsed again)."""
        if self.state != "done":
            return dumps(self.to_dict())
        head = dumps({"job": self.id, "state": "done", "summary": self.summary})
        return head[:-1] + b',"verdicts":[' + b",".join(self._lines()) + b"]}"

    def jsonl(self) -> bytes:
        """The verdict rows as the batch runner wrote them, one JSON line each."""
        return b"".join(line + b"\n" for line in self._lines()) if self.state == "done" else b""

    @property
    def verdicts(self) -> list[dict]:
        """The verdict rows (the JSONL rows of `batch`); empty until done."""
        return [json.loads(line) for line in self._lines()] if self.state == "done" else []

    def _lines(self) -> list[bytes]:
        # lines end at "\n" only: JSON keeps U+2028 and its kin raw, which splitlines would cut at
        try:
            return [line for line in self.folder.verdicts.read_bytes().split(b"\n") if line]
        except FileNotFoundError:  # removed as one of the oldest since its record was read: gone, not empty
            raise ServiceError.of(404, "unknown-job", "no batch job with this id") from None


class JobRunner:
    """Runs batch jobs one at a time (a batch uses the machine's cores itself) from a jobs folder, keeping the
    last KEEP_JOBS finished ones.

    An accepted job is on disk before its 202 (`JobFolder`), so a restart resumes it, and every process working
    on the same folder sees it and may run it: the process holding its lock does. A job whose run was cut off
    (the process killed) is taken up again by the next process to start on the folder or to be asked about it;
    one cut off MAX_ATTEMPTS times fails with `job-interrupted` rather than take the service down each time."""

    MAX_ATTEMPTS = 3

    def __init__(self, root: str | None = None, start: bool = True, settings: Settings | None = None) -> None:
        # the configuration every job is judged with (the reading when a job names none, the at-risk window): the
        # service's, read once at its start, not the file as it is when a job's process runs
        self.settings = settings if settings is not None else load_settings()
        self._own_root = root is None  # a folder it made is removed at the end; one it was given is kept
        self.root = Path(root or tempfile.mkdtemp(prefix="policykit-jobs-"))
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise PolicykitError.single("output-unwritable", f"the batch jobs folder cannot be made "
                                        f"({exc.strerror or type(exc).__name__})", Span(str(self.root))) from None
        _check_trusted(self.root)
        self._running: dict[str, Progress] = {}
        self._mine: set[str] = set()  # the jobs queued or running in this process
        self._lock = threading.Lock()  # also orders a job's end against the stop (`close`)
        self._stopping = threading.Event()  # set by close: no job starts, and the one running ends
        self._books = threading.Lock()  # one Excel workbook made at a time (a batch run each)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policykit-batch")
        if start:
            self.start()

    def start(self) -> None:
        """Take up the jobs on the folder that no process is running (a service does so once the rest of it
        opened: one refused at start must not begin a job, then wait for it before it can end)."""
        remove_unnamed(self.root)  # a job half made or half removed by a process killed meanwhile
        for folder in job_folders(self.root):
            self._adopt(folder)

    def submit(self, body: bytes, fmt: str, policy_id: str, as_of, reading: str | None,
               options: dict | None = None) -> Job:
        """Store a job judging `body` (an export of format `fmt`, read with `options`: export_options), then queue
        it: once this returns the job is on disk."""
        folder = JobFolder(self.root, uuid.uuid4().hex)
        record = {"id": folder.id, "policy": policy_id, "format": fmt, "reading": reading, "options": options or {},
                  "as_of": as_of.isoformat() if hasattr(as_of, "isoformat") else as_of,
                  "state": "queued", "accepted": time.time(), "attempts": 0}
        try:
            folder.create(body, record)
        except OSError as exc:  # a full disk, an fsync that failed: not accepted, and told as such (503), not a bug
            raise PolicykitError.single("output-unwritable", f"the batch jobs folder cannot be written "
                                        f"({exc.strerror or type(exc).__name__}); the export was not accepted",
                                        hint="try again once the service's disk has room") from None
        self._prune()
        self._queue(folder.id)
        return Job(folder, record)

    def get(self, job_id: str) -> Job:
        """A job by id; 404 when unknown. A queued or running job no process is running is taken up here."""
        record = JobFolder(self.root, job_id).record() if is_job_id(job_id) else None
        if record is None:
            raise ServiceError.of(404, "unknown-job", "no batch job with this id")
        folder = JobFolder(self.root, job_id)
        if record["state"] not in ("queued", "running"):
            return Job(folder, record)
        running = self._running.get(job_id)
        if running is None:
            self._adopt(folder)
        return Job(folder, record, running.to_dict() if running is not None else folder.progress())

    def _adopt(self, folder: JobFolder) -> None:
        """Queue a job left queued or running when no process holds its lock (its process ended)."""
        record = folder.record()
        if record is None or record["state"] not in ("queued", "running") or folder.id in self._mine:
            return
        if folder.claim():  # nobody runs it: this process will
            folder.release()
            self._queue(folder.id)

    def _queue(self, job_id: str) -> None:
        with self._lock:
            if job_id in self._mine:
                return
            self._mine.add(job_id)
        try:
            self._pool.submit(self._run, job_id)
        except RuntimeError:  # shutting down: the job stays on disk for the next process
            self._mine.discard(job_id)

    def _run(self, job_id: str) -> None:
        folder = JobFolder(self.root, job_id)
        try:
            if folder.claim():
                try:
                    self._judge(folder)
                finally:
                    folder.release()
        finally:
            with self._lock:
                self._mine.discard(job_id)

    def _judge(self, folder: JobFolder) -> None:
        """Run the job the lock was taken for, unless another process finished it meanwhile."""
        record = folder.record()
        if record is None or record["state"] not in ("queued", "running"):
            return
        if record["attempts"] >= self.MAX_ATTEMPTS:
            self._end(folder, record, "failed", errors=_errors(
                "job-interrupted", f"the job's run was cut off {record['attempts']} times (the service was killed "
                "while judging it); post the export again, in smaller parts if it is large"))
            return
        with self._lock:
            if self._stopping.is_set():
                return
            record.update(state="running", attempts=record["attempts"] + 1)
            folder.write(record)  # the attempt is counted before it is made: a run that kills the process counts
            self._running[folder.id] = FolderProgress(folder)
        log = folder.upload(record["format"])
        rejects = folder.path / "rejects.csv"
        arguments = {"log": log, "policy_ref": record["policy"], "as_of": record["as_of"],
                     "reading": record["reading"], "out": str(folder.verdicts), "rejects_path": str(rejects),
                     "workers": 1, "options": log_options(record.get("options")), "settings": self.settings}
        try:
            # in a process of its own: a reader that aborts, or a run the kernel kills, ends this job only
            kind, value = judge_apart(str(self.root), folder.id, arguments, self._stopping)
            if kind == "done":
                found = dict(value)
                for server_path in ("rejects_file", "out"):  # where the server keeps files is not the caller's
                    found.pop(server_path, None)
                self._end(folder, record, "done", summary=found, rejects=_rejected_rows(rejects))
            elif kind == "error":
                self._end(folder, record, "failed", errors=value)
            else:
                self._end(folder, record, "failed", errors=_bug(value))
        except Stopped:  # close() put the job back as queued: the next process judges it
            (folder.path / PROGRESS).unlink(missing_ok=True)
            for output in (folder.verdicts.name, rejects.name):  # what the ended process was writing
                remove_stale_parts(str(folder.path), output)
        except Crashed as exc:
            self._end(folder, record, "failed", errors=_errors(
                "internal-error", f"the process judging the export ended abruptly ({exc.how}); the service goes "
                "on. A very large export may have taken all the memory: post it in smaller parts"))
        except Exception as exc:  # noqa: BLE001 - a job never takes its thread down; its type only is told
            self._end(folder, record, "failed", errors=_bug(type(exc).__name__))
        finally:
            self._running.pop(folder.id, None)
            rejects.unlink(missing_ok=True)

    def _end(self, folder: JobFolder, record: dict, state: str, **found) -> None:
        """Record how the job ended; a failed job keeps only its record (the upload holds personal data)."""
        record.update(state=state, **found)
        with self._lock:  # after a stop's record too: the job did end
            folder.write(record)
        kept = (RECORD, LOCK) if state == "failed" else (RECORD, LOCK, VERDICTS, folder.upload(record["format"]).name)
        for made in folder.path.iterdir():
            if made.name not in kept:
                made.unlink(missing_ok=True)

    def _prune(self) -> None:
        """Remove the oldest finished jobs beyond KEEP_JOBS (a queued or running one is never removed)."""
        finished = [folder for folder in job_folders(self.root)
                    if (folder.record() or {}).get("state") in ("done", "failed")]
        for folder in finished[:max(0, len(finished) - KEEP_JOBS)]:
            if folder.claim():
                try:
                    folder.remove()
                finally:
                    folder.release()

    def workbook(self, job: Job, lang: str) -> bytes | None:
        """The Excel verdicts of a finished job (cases and findings sheets, labels in `lang`); None until done.

        Made from the kept upload by the batch runner itself the first time they are asked for, then kept: in a
        process of its own, as the job was judged (the upload is read again, and an abort or the kernel's kill
        for memory ends that process only)."""
        if job.state != "done":
            return None
        book = job.folder.path / f"verdicts.{lang}.xlsx"
        with self._books:
            if not book.exists():
                as_of, reading = job.settings
                rejects = job.folder.path / f"rejects.{lang}.csv"
                arguments = {"log": job.log, "policy_ref": job.policy_id, "as_of": as_of, "reading": reading,
                             "out": str(book), "lang": lang, "rejects_path": str(rejects), "workers": 1,
                             "options": log_options(job.record.get("options")), "settings": self.settings}
                try:
                    kind, value = judge_apart(str(self.root), job.id, arguments, self._stopping, progress=False)
                finally:
                    rejects.unlink(missing_ok=True)
                if kind == "error":  # the upload went with the oldest jobs meanwhile
                    return None
                if kind != "done":
                    raise RuntimeError(f"the Excel verdicts of a job could not be made ({value})")
            try:
                return book.read_bytes()
            except FileNotFoundError:
                return None

    def close(self) -> None:
        """Stop taking jobs (those not run stay on disk for the next process); a temporary folder is removed.

        A job being judged is put back as queued, its run not counted (a stop is not a run that cut the service
        off), and its process is ended within job_process.WAIT_S, so that the service need not wait for it."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            self._stopping.set()
            for job_id in list(self._running):
                folder = JobFolder(self.root, job_id)
                record = folder.record()
                if record is not None and record["state"] == "running":
                    record.update(state="queued", attempts=max(0, record["attempts"] - 1))
                    try:
                        folder.write(record)
                    except OSError:  # then it counts, as a run cut off does
                        pass
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)


def _errors(code: str, message: str) -> list[dict]:
    """A failed job's errors of one unlocated problem, as every error is answered."""
    return error_body(PolicykitError.single(code, message))["errors"]


def _bug(kind: str) -> list[dict]:
    """A failed job's errors for an exception of type `kind` (never its text, which may quote the export)."""
    return _errors("internal-error", f"internal error ({kind}); this is a bug in policykit, not in your export")


def _rejected_rows(rejects: Path) -> list[dict]:
    """The rows the batch runner rejected, `{line, reason}` each, from its rejects file (its `file` column is the
    server's path to the upload, left out)."""
    import csv

    try:
        with open(rejects, encoding="utf-8", newline="") as handle:
            return [{"line": int(row["line"]), "reason": row["reason"]} for row in csv.DictReader(handle)]
    except FileNotFoundError:
        return []


def _check_trusted(root: Path) -> None:
    """The jobs folder holds uploads with personal data and is read back as jobs: it must be this user's own,
    writable by nobody else (a job planted by another user would be judged and served)."""
    from ..cachedir import trusted

    info = os.stat(root)
    if not trusted(info):
        raise PolicykitError.single("jobs-dir-unsafe", "the batch jobs folder is not this user's own or others "
                                    "can write it", Span(str(root)),
                                    hint="give the service a folder of its own (chmod 700), with --jobs-dir")


def audit_report_html(job: Job, lang: str) -> str | None:
    """The audit report of a finished job (one self-contained page, policykit.report.audit); None until it is done.

    This is the one place the audit report plugs in: GET /v1/batch/{job}/report and the page's link use it."""
    if job is None or job.state != "done":
        return None
    from ..loader import load_policy
    from ..report.audit import render, row_from_json

    return render((row_from_json(v) for v in job.verdicts), lang, load_policy(job.policy_id))