"""A batch job judged in a process of its own, so that a reader that crashes natively (a library's abort) or
a run the kernel kills for memory ends that job, never the service with every session and job in it."""

from __future__ import annotations

import functools
import multiprocessing
import signal
import threading

from ..diagnostics import PolicykitError

WAIT_S = 0.2  # how often the waiting thread looks at the service's stop


class Stopped(Exception):
    """The service stopped while the job was judged: its process was ended, the job stays for the next one."""


class Crashed(Exception):
    """The job's process ended without an answer (a signal: SIGABRT, SIGSEGV, the kernel's SIGKILL)."""

    def __init__(self, how: str) -> None:
        super().__init__(how)
        self.how = how


@functools.cache
def _context():
    """The forkserver context: its server process is single-threaded, so a fork from it is safe where a fork of
    the service (threads holding locks) is not, and it starts a job in milliseconds."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["policykit.batch.runner", "policykit.service.job_process"])
    return context


def judge_apart(root: str, job_id: str, arguments: dict, stop: threading.Event,
                progress: bool = True) -> tuple[str, object]:
    """`run_batch(**arguments)` in a child process, its progress written to the job's folder (unless not
    `progress`): ("done", the summary as a dict), ("error", the errors of its PolicykitError as answered) or
    ("bug", the type name of an unexpected exception). Stopped when `stop` is set meanwhile; Crashed when the
    process ends unanswered."""
    context = _context()
    receive, send = context.Pipe(duplex=False)
    # held open here only: when this process dies (SIGKILL), the child reads its end and ends too, rather than
    # judge on unowned (the next service on the folder judges the job again)
    alive_r, alive_w = context.Pipe(duplex=False)
    child = context.Process(target=_judge_here, args=(root, job_id, arguments, send, alive_r, progress), daemon=True,
                            name=f"policykit-job-{job_id[:8]}")
    child.start()
    send.close()  # the child's end: once the child is gone, a read here ends instead of waiting for ever
    alive_r.close()
    try:
        while not receive.poll(WAIT_S):
            if stop.is_set():
                child.kill()
                raise Stopped
            if not child.is_alive() and not receive.poll(0):
                raise Crashed(_how(child.exitcode))
        try:
            kind, value = receive.recv()
        except EOFError:
            child.join()
            raise Crashed(_how(child.exitcode)) from None
    finally:
        receive.close()
        alive_w.close()
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
            child.join()
    return kind, value


def _end_with_the_service(alive, end) -> None:
    """Wait on the service's end of `alive`; once that process has gone (or let go of it), end this one."""
    try:
        alive.recv()
    except (EOFError, OSError):
        pass
    end(1)


def _how(code: int | None) -> str:
    """How a process ended, as its exit code tells it (a signal's name for a negative one)."""
    if code is not None and code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _judge_here(root: str, job_id: str, arguments: dict, send, alive, progress: bool = True) -> None:
    """The child's side: run the batch, send ("done", summary dict), ("error", the errors) or ("bug", the
    exception's type name: never its text, which may quote the export); end at once if the service dies."""
    import os
    from pathlib import Path

    threading.Thread(target=_end_with_the_service, args=(alive, os._exit), daemon=True).start()

    from ..batch.runner import run_batch
    from .errors import error_body
    from .job_folder import JobFolder
    from .jobs import Progress

    folder = JobFolder(Path(root), job_id)
    try:
        summary = run_batch(progress=Progress(sink=folder.write_progress) if progress else None, **arguments)
        answer = ("done", summary.to_dict())
    except PolicykitError as exc:
        answer = ("error", error_body(exc)["errors"])
    except Exception as exc:  # noqa: BLE001 - told to the parent by its type, as a bug of ours
        answer = ("bug", type(exc).__name__)
    send.send(answer)
    send.close()
