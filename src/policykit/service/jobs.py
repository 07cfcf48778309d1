"""Batch jobs: an uploaded export judged by the batch runner in the background; progress, then the results."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..batch.progress import NoProgress
from ..diagnostics import PolicykitError
from .errors import ServiceError, error_body

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
    """The batch runner's progress, read by GET /v1/batch/{job}."""

    def __init__(self) -> None:
        self.phase, self.total, self.done, self.unit, self.exact = "queued", None, 0.0, "rows", True

    def start(self, label: str, total: float | None, unit: str = "rows", exact: bool = True) -> None:
        self.phase, self.total, self.done, self.unit, self.exact = label, total, 0.0, unit, exact

    def advance(self, amount: float) -> None:
        self.done += amount

    def to_dict(self) -> dict:
        """`{phase, done, total, unit, exact}` (`exact` False when the total is an estimate)."""
        return {"phase": self.phase, "done": self.done, "total": self.total, "unit": self.unit, "exact": self.exact}


class Job:
    """One batch job's state: queued, running, done or failed."""

    def __init__(self, job_id: str, policy_id: str) -> None:
        self.id, self.policy_id = job_id, policy_id
        self.state = "queued"
        self.progress = Progress()
        self.summary: dict | None = None
        self.verdicts: list[dict] = []
        self.errors: list[dict] = []
        self.log: Path | None = None  # the upload, kept while the job is, for its Excel verdicts
        self.settings: tuple = ()  # (as_of, reading) it was judged with
        self.workbooks: dict[str, bytes] = {}  # the Excel verdicts by language, made when first asked for

    def to_dict(self) -> dict:
        """The job as GET /v1/batch/{job} answers it."""
        if self.state == "done":
            return {"job": self.id, "state": "done", "summary": self.summary, "verdicts": self.verdicts}
        if self.state == "failed":
            return {"job": self.id, "state": "failed", "errors": self.errors}
        return {"job": self.id, "state": self.state, "progress": self.progress.to_dict()}


class JobRunner:
    """Runs one batch job at a time (a batch uses the machine's cores itself) and keeps the last KEEP_JOBS."""

    def __init__(self, root: str | None = None) -> None:
        self._own_root = root is None  # a folder it made is removed at the end; one it was given is left
        self.root = Path(root or tempfile.mkdtemp(prefix="policykit-jobs-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policykit-batch")

    def submit(self, body: bytes, fmt: str, policy_id: str, as_of, reading: str | None) -> Job:
        """Queue a job judging `body` (an export of format `fmt`)."""
        job = Job(uuid.uuid4().hex, policy_id)
        folder = self.root / job.id
        folder.mkdir()
        log = folder / f"upload.{fmt}"
        log.write_bytes(body)
        job.log, job.settings = log, (as_of, reading)
        with self._lock:
            self.jobs[job.id] = job
            while len(self.jobs) > KEEP_JOBS:
                old = self.jobs.pop(next(iter(self.jobs)))
                shutil.rmtree(self.root / old.id, ignore_errors=True)
        self._pool.submit(self._run, job, log, as_of, reading)
        return job

    def get(self, job_id: str) -> Job:
        """A job by id; 404 when unknown."""
        job = self.jobs.get(job_id)
        if job is None:
            raise ServiceError.of(404, "unknown-job", "no batch job with this id")
        return job

    def _run(self, job: Job, log: Path, as_of, reading: str | None) -> None:
        from ..batch.runner import run_batch

        job.state = "running"
        out = log.with_name("verdicts.jsonl")
        try:
            summary = run_batch(log, job.policy_id, as_of, reading=reading, out=str(out),
                                rejects_path=str(log.with_name("rejects.csv")), workers=1, progress=job.progress)
            found = summary.to_dict()
            for server_path in ("rejects_file", "out"):  # where the server keeps files is not the caller's
                found.pop(server_path, None)
            # lines end at "\n" only: JSON keeps U+2028 and its kin raw, which str.splitlines would cut at
            job.verdicts = [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n") if line]
            job.summary = found
            job.state = "done"
        except PolicykitError as exc:
            job.errors = error_body(exc)["errors"]
            job.state = "failed"
        except Exception as exc:  # noqa: BLE001 - a job never takes the service down; its type only is told
            job.errors = [{"code": "internal-error", "message": f"internal error ({type(exc).__name__}); this "
                           "is a bug in policykit, not in your export", "path": None, "line": None, "col": None}]
            job.state = "failed"
        finally:
            for made in (out, log.with_name("rejects.csv")):
                made.unlink(missing_ok=True)
            if job.state != "done":
                shutil.rmtree(log.parent, ignore_errors=True)

    def workbook(self, job: Job, lang: str) -> bytes | None:
        """The Excel verdicts of a finished job (cases and findings sheets, labels in `lang`); None until done.

        Made from the kept upload by the batch runner itself the first time they are asked for, then kept."""
        if job.state != "done" or job.log is None:
            return None
        with self._lock:
            if lang not in job.workbooks:
                from ..batch.runner import run_batch

                as_of, reading = job.settings
                out = job.log.with_name(f"verdicts.{lang}.xlsx")
                run_batch(job.log, job.policy_id, as_of, reading=reading, out=str(out), lang=lang,
                          rejects_path=str(job.log.with_name("rejects.xlsx.csv")), workers=1)
                job.workbooks[lang] = out.read_bytes()
                out.unlink()
            return job.workbooks[lang]

    def close(self) -> None:
        """Stop taking jobs and remove their files."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)


def audit_report_html(job: Job, lang: str) -> str | None:
    """The audit report of a finished job (one self-contained page, policykit.report.audit); None until it is done.

    This is the one place the audit report plugs in: GET /v1/batch/{job}/report and the page's link use it."""
    if job is None or job.state != "done":
        return None
    from ..loader import load_policy
    from ..report.audit import render, row_from_json

    return render((row_from_json(v) for v in job.verdicts), lang, load_policy(job.policy_id))