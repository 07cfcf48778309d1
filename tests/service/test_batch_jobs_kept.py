"""Batch jobs are kept on disk: a job the service accepted (202) survives the service being killed, and every
service process working on the same jobs folder sees it (real uvicorn servers, a real `policykit serve`)."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_live_batch import csv_bytes, wait_done

pytest.importorskip("pyarrow")

TOKEN = "kept-jobs-token-0123456789"
AS_OF = {"policy": "harif", "as_of": "2025-04-20"}


def _big_csv(cases: int) -> bytes:
    """An export long enough that its job is still queued or running when the service is killed."""
    rows = ["case_id,type,at,channel"]
    for n in range(cases):
        rows += [f"K{n},request_received,2025-03-0{1 + n % 9}T09:00:00+03:00,phone",
                 f"K{n},request_completed,2025-03-1{n % 9}T10:00:00+03:00,"]
    return ("\n".join(rows) + "\n").encode("utf-8")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(workdir: Path, port: int, *extra: str) -> subprocess.Popen:
    import httpx

    env = {**os.environ, "POLICYKIT_TOKENS": TOKEN}
    process = subprocess.Popen([sys.executable, "-m", "policykit", "serve", "--port", str(port), *extra],
                               cwd=workdir, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process
        except httpx.TransportError:
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.2)


def _client(port: int):
    import httpx

    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"},
                        timeout=60)


def _batch_rows(tmp_path: Path, body: bytes) -> list[dict]:
    """The JSONL rows `policykit batch` writes for the same export."""
    from policykit.batch.runner import run_batch

    log = tmp_path / "export.csv"
    log.write_bytes(body)
    out = tmp_path / "expected.jsonl"
    run_batch(log, "harif", "2025-04-20", out=str(out), workers=1)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n") if line]


def test_jobs_accepted_before_the_service_is_killed_are_judged_after_its_restart(tmp_path):
    bodies = [_big_csv(4000), csv_bytes(), _big_csv(300)]
    port = _free_port()
    process = _start(tmp_path, port)
    try:
        with _client(port) as api:
            jobs = [api.post("/v1/batch", params=AS_OF, content=body, headers={"Content-Type": "text/csv"})
                    for body in bodies]
    finally:
        process.send_signal(signal.SIGKILL)  # no shutdown: whatever was queued or running is cut off
        process.wait(timeout=20)
    assert [answer.status_code for answer in jobs] == [202, 202, 202]
    ids = [answer.json()["job"] for answer in jobs]
    records = [json.loads((tmp_path / "policykit-jobs" / job / "job.json").read_text()) for job in ids]
    assert [r["id"] for r in records] == ids  # each stored before its 202
    assert {r["state"] for r in records} - {"done"}  # some were still to judge when it was killed

    process = _start(tmp_path, port)  # the same working directory: the same ./policykit-jobs
    try:
        with _client(port) as api:
            found = [wait_done(api, job) for job in ids]
    finally:
        process.terminate()
        process.wait(timeout=20)
    for body, state in zip(bodies, found):
        assert state["state"] == "done", state
        assert state["verdicts"] == _batch_rows(tmp_path, body)


def _descendants(pid: int) -> set[int]:
    """The processes below `pid` (from /proc: each one's parent)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")
def test_a_killed_service_leaves_no_job_process_judging_on(tmp_path):
    """A job is judged in a process of its own: when the service is SIGKILLed, that process ends too, rather than
    go on writing into a job the next service takes up."""
    port = _free_port()
    process = _start(tmp_path, port, "--max-body", str(200 * 2**20))
    try:
        with _client(port) as api:  # a job of about half a minute: still judging when the service is killed
            job = api.post("/v1/batch", params=AS_OF, content=_big_csv(600_000),
                           headers={"Content-Type": "text/csv"}).json()["job"]
            deadline = time.monotonic() + 60
            while api.get(f"/v1/batch/{job}").json()["state"] != "running":
                assert time.monotonic() < deadline, "the job did not start"
                time.sleep(0.05)
        # the job's process and the server it is forked from (the record says running a moment before the
        # process is forked: on a loaded machine that moment is long)
        while len(below := _descendants(process.pid)) < 2:
            assert time.monotonic() < deadline, "the job's process did not start"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=20)
    deadline = time.monotonic() + 8
    while any(map(_alive, below)):
        assert time.monotonic() < deadline, f"still running after the service was killed: {below}"
        time.sleep(0.1)
    record = json.loads((tmp_path / "policykit-jobs" / job / "job.json").read_text(encoding="utf-8"))
    assert record["state"] == "running"  # cut off, for the next service to take up


def test_two_service_processes_on_one_jobs_folder_see_each_others_jobs(serve, tmp_path):
    jobs = tmp_path / "jobs"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with serve(tmp_path / "a", jobs_dir=str(jobs)) as first, serve(tmp_path / "b", jobs_dir=str(jobs)) as second:
        with first.client() as a, second.client() as b:
            job = a.post("/v1/batch", params=AS_OF, content=csv_bytes()).json()["job"]
            state = wait_done(b, job)  # asked of the process that did not accept it
            assert state["state"] == "done" and state == wait_done(a, job)
            assert state["verdicts"] == _batch_rows(tmp_path, csv_bytes())
            assert b.get(f"/v1/batch/{job}/report").status_code == 200
            assert b.get(f"/v1/batch/{job}/verdicts.xlsx").content[:2] == b"PK"
            failed = b.post("/v1/batch", params={"policy": "harif"}, content=b"a,b\n1,2\n").json()["job"]
            assert wait_done(a, failed)["state"] == "failed"
    # a failed job keeps only its record (the upload holds personal data); a done one its upload and verdicts
    assert sorted(p.name for p in (jobs / failed).iterdir()) == ["job.json", "lock"]
    assert sorted(p.name for p in (jobs / job).iterdir()) == ["job.json", "lock", "upload.csv", "verdicts.ar.xlsx",
                                                             "verdicts.jsonl"]


def _left_running(root: Path, job_id: str, attempts: int):
    """A job on disk as a process killed while judging it leaves it, after `attempts` starts."""
    from policykit.service.job_folder import JobFolder

    root.mkdir(mode=0o700, exist_ok=True)
    folder = JobFolder(root, job_id)
    folder.create(csv_bytes(), {"id": job_id, "policy": "harif", "format": "csv", "reading": None,
                                "as_of": "2025-04-20T00:00:00+03:00", "state": "running", "accepted": time.time(),
                                "attempts": attempts})
    return folder


def _finished(root: Path, job_id: str):
    """The job as a new runner on `root` ends it."""
    from policykit.service.jobs import JobRunner

    runner = JobRunner(str(root))
    try:
        deadline = time.monotonic() + 30
        while runner.get(job_id).state not in ("done", "failed"):
            assert time.monotonic() < deadline, "the job was not taken up"
            time.sleep(0.05)
        return runner.get(job_id)
    finally:
        runner.close()


def test_two_serve_processes_judge_each_job_of_their_folder_once(tmp_path):
    """Two real processes on one jobs folder, both asked about every job while it is queued: each job is judged
    by one of them, once (its record counts one run), and both answer it done with the same rows."""
    jobs = tmp_path / "jobs"
    bodies = [_big_csv(600 + 100 * n) for n in range(6)]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ports = _free_port(), _free_port()
    processes = [_start(tmp_path / name, port, "--jobs-dir", str(jobs), "--no-decision-log")
                 for name, port in zip("ab", ports)]
    try:
        with _client(ports[0]) as a, _client(ports[1]) as b:
            ids = [a.post("/v1/batch", params=AS_OF, content=body, headers={"Content-Type": "text/csv"}).json()["job"]
                   for body in bodies]
            for job in ids:  # B is asked at once: it may take up what A has queued but not begun
                assert b.get(f"/v1/batch/{job}").status_code == 200
            found_b = [wait_done(b, job) for job in ids]
            found_a = [wait_done(a, job) for job in ids]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
    records = [json.loads((jobs / job / "job.json").read_text()) for job in ids]
    assert [r["attempts"] for r in records] == [1] * len(ids)
    for body, state_a, state_b in zip(bodies, found_a, found_b):
        assert state_a["state"] == state_b["state"] == "done", (state_a.get("errors"), state_b.get("errors"))
        assert state_a["verdicts"] == state_b["verdicts"] == _batch_rows(tmp_path, body)


def test_a_job_cut_off_again_and_again_fails_rather_than_run_forever(tmp_path):
    from policykit.service.jobs import JobRunner

    folder = _left_running(tmp_path / "jobs", "0123456789abcdef0123456789abcdef", JobRunner.MAX_ATTEMPTS)
    state = _finished(tmp_path / "jobs", folder.id).to_dict()
    assert state["state"] == "failed" and [e["code"] for e in state["errors"]] == ["job-interrupted"]
    assert sorted(p.name for p in folder.path.iterdir()) == ["job.json", "lock"]


def test_a_job_cut_off_once_is_judged_again(tmp_path):
    folder = _left_running(tmp_path / "jobs", "fedcba9876543210fedcba9876543210", 1)
    job = _finished(tmp_path / "jobs", folder.id)
    assert job.state == "done" and job.record["attempts"] == 2
    assert job.verdicts == _batch_rows(tmp_path, csv_bytes())


@pytest.mark.parametrize("job", ["..", "../jobs", "0" * 31, "0" * 32 + "0", "%2e%2e", "G" * 32])
def test_a_job_id_that_is_not_one_names_no_folder(api, job):
    answer = api.get(f"/v1/batch/{job}")
    assert answer.status_code == 404


def test_an_unsafe_jobs_folder_is_refused_at_start(tmp_path, monkeypatch):
    from .test_serve_command import run

    monkeypatch.chdir(tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    code, err = run("serve", "--port", "0", "--jobs-dir", str(shared))
    assert code == 2 and err.splitlines() == [
        f"{shared}: jobs-dir-unsafe: the batch jobs folder is not this user's own or others can write it; "
        "give the service a folder of its own (chmod 700), with --jobs-dir"]
    assert list(shared.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["shared"]


def test_a_new_jobs_folder_is_the_users_alone(tmp_path):
    from policykit.service.jobs import JobRunner

    runner = JobRunner(str(tmp_path / "new" / "jobs"))
    try:
        job = runner.submit(csv_bytes(), "csv", "harif", "2025-04-20T00:00:00+03:00", None)
    finally:
        runner.close()
    assert stat.S_IMODE((tmp_path / "new" / "jobs").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new" / "jobs" / job.id / "upload.csv").stat().st_mode) == 0o600


def test_a_done_job_removed_while_it_is_read_is_unknown_not_done_with_no_verdicts(tmp_path):
    from policykit.service.errors import ServiceError
    from policykit.service.jobs import JobRunner

    runner = JobRunner(str(tmp_path / "jobs"))
    try:
        submitted = runner.submit(csv_bytes(), "csv", "harif", "2025-04-20T00:00:00+03:00", None)
        deadline = time.monotonic() + 30
        while runner.get(submitted.id).state != "done":
            assert time.monotonic() < deadline, "the job did not end"
            time.sleep(0.05)
        job = runner.get(submitted.id)
        assert job.verdicts
        job.folder.remove()  # pruned as one of the oldest between its record and its verdicts being read
        for read in (job.to_json, job.jsonl, lambda: job.verdicts):
            with pytest.raises(ServiceError) as refused:
                read()
            assert refused.value.status == 404
    finally:
        runner.close()


def test_a_process_killed_while_storing_a_job_leaves_no_upload_behind(tmp_path):
    """Killed between the upload and the record reaching the disk: no job was accepted (no 202), so the upload,
    personal data, must not stay on disk where no pruning ever sees it."""
    root = tmp_path / "jobs"
    killed = subprocess.run([sys.executable, "-c", f"""
import os
from policykit.service import job_folder
from policykit.service.jobs import JobRunner
runner = JobRunner({str(root)!r})
job_folder.JobFolder.write = lambda self, record, durable=True: os._exit(9)  # killed right after the upload
runner.submit(b"case_id,type,at\\nK1,request_received,2025-03-01T09:00:00+03:00\\n", "csv", "harif",
              "2025-04-20T00:00:00+03:00", None)
"""], env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, capture_output=True, text=True)
    assert killed.returncode == 9, killed.stderr
    from policykit.service.jobs import JobRunner

    runner = JobRunner(str(root))  # the next process on the folder
    try:
        assert [p.name for p in root.rglob("upload.*")] == []
        assert [p.name for p in root.iterdir()] == []  # nothing of it is left, nor a job
    finally:
        runner.close()


def test_a_full_disk_refuses_the_export_plainly_and_keeps_nothing_of_it(serve, tmp_path, monkeypatch):
    import errno

    from policykit import atomic

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    with serve(tmp_path) as running, running.client() as client:
        monkeypatch.setattr(atomic.os, "fsync", full)
        answer = client.post("/v1/batch", params=AS_OF, content=csv_bytes(), headers={"Content-Type": "text/csv"})
        monkeypatch.undo()
        assert answer.status_code == 503, answer.text
        [error] = answer.json()["errors"]
        assert error["code"] == "output-unwritable" and "no space left on device" in error["message"].lower()
        assert "bug" not in error["message"]
        assert list((tmp_path / "jobs").iterdir()) == []


def _job_processes() -> list:
    """The processes judging jobs for this process's runners (job_process: one per running job)."""
    import multiprocessing

    return [child for child in multiprocessing.active_children() if child.name.startswith("policykit-job-")]


def _running_apart(runner, job_id: str):
    """The process judging `job_id`, once it is running."""
    deadline = time.monotonic() + 60
    while True:
        found = [child for child in _job_processes() if child.name == f"policykit-job-{job_id[:8]}"]
        if found and runner.get(job_id).state == "running":
            return found[0]
        assert time.monotonic() < deadline, "the job's process did not start"
        time.sleep(0.01)


def test_a_service_stopped_while_judging_a_job_does_not_count_the_run_against_it(tmp_path):
    """A stop (a deploy, a restart) is not a run that cut the service off: three of them during one long job made
    it fail with job-interrupted. The job's process is ended at the stop, and the next runner judges it whole."""
    from policykit.service.jobs import JobRunner

    body = _big_csv(60_000)
    runner = JobRunner(str(tmp_path / "jobs"))
    job = runner.submit(body, "csv", "harif", "2025-04-20T00:00:00+03:00", None)
    child = _running_apart(runner, job.id)
    runner.close()
    child.join(10)
    assert not child.is_alive()  # ended with the service, not left judging
    record = json.loads((tmp_path / "jobs" / job.id / "job.json").read_text(encoding="utf-8"))
    assert (record["state"], record["attempts"]) == ("queued", 0)
    done = _finished(tmp_path / "jobs", job.id)
    assert done.state == "done" and done.verdicts == _batch_rows(tmp_path, body)


@pytest.mark.parametrize("how", [signal.SIGABRT, signal.SIGKILL])
def test_a_job_whose_process_dies_fails_alone_and_the_service_goes_on(tmp_path, how):
    """A job was judged inside the service: a reader that aborted natively (calamine's failed allocation was one)
    or a run the kernel killed for memory took the service, its sessions and every job down. Now the job's own
    process dies, the job fails saying so, and the next job is judged."""
    from policykit.service.jobs import JobRunner

    runner = JobRunner(str(tmp_path / "jobs"))
    try:
        doomed = runner.submit(_big_csv(60_000), "csv", "harif", "2025-04-20T00:00:00+03:00", None)
        os.kill(_running_apart(runner, doomed.id).pid, how)
        deadline = time.monotonic() + 30
        while runner.get(doomed.id).state not in ("done", "failed"):
            assert time.monotonic() < deadline, "the job did not end"
            time.sleep(0.05)
        [error] = runner.get(doomed.id).errors
        assert error["code"] == "internal-error" and how.name in error["message"]
        after = runner.submit(csv_bytes(), "csv", "harif", "2025-04-20T00:00:00+03:00", None)
        deadline = time.monotonic() + 30
        while runner.get(after.id).state not in ("done", "failed"):
            assert time.monotonic() < deadline, "the next job was not judged"
            time.sleep(0.05)
        assert runner.get(after.id).verdicts == _batch_rows(tmp_path, csv_bytes())
    finally:
        runner.close()


def test_the_oldest_finished_jobs_beyond_the_kept_number_are_removed_never_a_running_one(tmp_path, monkeypatch):
    from policykit.service import jobs as jobs_module
    from policykit.service.jobs import JobRunner

    monkeypatch.setattr(jobs_module, "KEEP_JOBS", 2)
    root = tmp_path / "jobs"
    elsewhere = _left_running(root, "0" * 32, 1)  # the oldest, being judged by another process: never removed
    record = elsewhere.record()
    record["accepted"] = 1.0
    elsewhere.write(record)
    assert elsewhere.claim()
    runner = JobRunner(str(root))
    try:
        ids = []
        for _ in range(4):
            ids.append(runner.submit(csv_bytes(), "csv", "harif", "2025-04-20T00:00:00+03:00", None).id)
            deadline = time.monotonic() + 30
            while runner.get(ids[-1]).state != "done":
                assert time.monotonic() < deadline
                time.sleep(0.05)
        # each submit removed the finished ones beyond 2, oldest first: the last one saw 3 finished
        assert sorted(p.name for p in root.iterdir()) == sorted([elsewhere.id, *ids[1:]])
        assert runner.get(elsewhere.id).state == "running"
    finally:
        runner.close()
        elsewhere.release()


@pytest.mark.parametrize("route", ["/v1/batch/{job}", "/v1/batch/{job}/report",
                                   "/page/batch/{job}", "/page/batch/{job}/verdicts.jsonl",
                                   "/page/batch/{job}/report"])
def test_a_finished_job_is_read_off_the_event_loop(serve, tmp_path, monkeypatch, route):
    """A done job's verdicts (hundreds of megabytes for a large export) and its audit report are read and made in
    a worker thread, under the time limit: on the event loop they held up every other request meanwhile."""
    import threading

    from policykit.service import jobs as jobs_module

    threads = []
    real = jobs_module.Job._lines

    def lines(self):
        threads.append(threading.current_thread().name)
        return real(self)

    with serve(tmp_path) as running, running.client() as client:
        job = client.post("/v1/batch", params=AS_OF, content=csv_bytes()).json()["job"]
        wait_done(client, job)
        monkeypatch.setattr(jobs_module.Job, "_lines", lines)
        assert client.get(route.format(job=job)).status_code == 200
    assert threads and all(name.startswith("AnyIO worker") for name in threads), threads


def _serve_refused_takes_up_no_job(tmp_path, monkeypatch, *argv: str) -> str:
    """`policykit serve *argv` on a jobs folder with a queued job: it exits 2 and the job was not begun; its
    stderr."""
    from policykit.batch import runner as batch_runner

    from .test_serve_command import run

    root = tmp_path / "jobs"
    folder = _left_running(root, "abcdef0123456789abcdef0123456789", 0)
    record = folder.record()
    record["state"] = "queued"
    folder.write(record)
    called = []
    monkeypatch.setattr(batch_runner, "run_batch", lambda *args, **kwargs: called.append(args))
    monkeypatch.chdir(tmp_path)
    code, err = run("serve", *argv, "--jobs-dir", str(root), "--no-decision-log")
    assert code == 2, err
    time.sleep(1)
    assert called == [] and (folder.record()["state"], folder.record()["attempts"]) == ("queued", 0)
    return err


def test_a_service_that_cannot_start_takes_up_no_job(tmp_path, monkeypatch):
    """`serve` refused (here its store) exits 2 at once: it took up the queued jobs first, and the process then
    waited for the one it had begun (its run counted) before it could end."""
    (tmp_path / "store.db").write_bytes(b"")
    err = _serve_refused_takes_up_no_job(tmp_path, monkeypatch, "--port", "0", "--store", str(tmp_path / "store.db"))
    assert "store-unavailable" in err


def test_a_service_whose_port_is_taken_takes_up_no_job(tmp_path, monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        err = _serve_refused_takes_up_no_job(tmp_path, monkeypatch, "--port", str(taken.getsockname()[1]))
    assert "address-unavailable" in err


def test_a_job_whose_process_cannot_be_started_fails_and_the_next_is_judged(tmp_path, monkeypatch):
    """Starting the job's process can fail itself (no processes left, the forkserver's socket unwritable): the
    job stayed 'running' for ever and the runner's one thread was gone, so no later job was judged either."""
    from policykit.service import jobs as jobs_module
    from policykit.service.jobs import JobRunner

    real = jobs_module.judge_apart
    calls = []

    def fails_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError(24, "Too many open files")
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs_module, "judge_apart", fails_once)
    runner = JobRunner(str(tmp_path / "jobs"))
    try:
        first = runner.submit(csv_bytes(), "csv", "harif", "2025-04-20T00:00:00+03:00", None)
        second = runner.submit(csv_bytes(), "csv", "harif", "2025-04-20T00:00:00+03:00", None)
        deadline = time.monotonic() + 30
        while runner.get(second.id).state not in ("done", "failed"):
            assert time.monotonic() < deadline, "the next job was not judged"
            time.sleep(0.05)
        [error] = runner.get(first.id).errors
        assert runner.get(first.id).state == "failed" and error["code"] == "internal-error"
        assert "OSError" in error["message"] and "Too many" not in error["message"]
        assert runner.get(second.id).verdicts == _batch_rows(tmp_path, csv_bytes())
    finally:
        runner.close()


def test_a_stop_ends_the_run_of_a_job_rather_than_wait_for_it(tmp_path):
    """Ctrl-C on `serve` while a large job ran: the process said 'interrupted', then waited for the whole job (its
    worker thread is joined at exit) before it ended."""
    from policykit.service.jobs import JobRunner

    runner = JobRunner(str(tmp_path / "jobs"))
    job = runner.submit(_big_csv(60_000), "csv", "harif", "2025-04-20T00:00:00+03:00", None)
    child = _running_apart(runner, job.id)
    runner.close()
    for thread in list(runner._pool._threads):
        thread.join(timeout=5)
        assert not thread.is_alive(), "the run went on after the stop"
    assert not child.is_alive()
    record = json.loads((tmp_path / "jobs" / job.id / "job.json").read_text(encoding="utf-8"))
    assert (record["state"], record["attempts"]) == ("queued", 0)
    assert sorted(p.name for p in (tmp_path / "jobs" / job.id).iterdir()) == [
        "job.json", "lock", "upload.csv"]


def test_a_jobs_excel_verdicts_are_made_in_a_process_of_their_own(tmp_path, monkeypatch):
    """The Excel verdicts of a done job read its upload again, and were made inside the service by run_batch: a
    reader that aborted natively there would take the service down, which the job's own process was made to
    prevent. Shown by a run_batch in this process that kills it: the workbook is made all the same."""
    import io

    openpyxl = pytest.importorskip("openpyxl")
    from policykit.batch import runner as runner_module
    from policykit.service.jobs import JobRunner

    runner = JobRunner(str(tmp_path / "jobs"))
    try:
        job = runner.submit(csv_bytes(), "csv", "harif", "2025-04-20T00:00:00+03:00", None)
        deadline = time.monotonic() + 30
        while runner.get(job.id).state not in ("done", "failed"):
            assert time.monotonic() < deadline, "the job did not end"
            time.sleep(0.05)

        expected = [row["case_id"] for row in _batch_rows(tmp_path, csv_bytes())]

        def aborts_here(*args, **kwargs):
            os.abort()

        monkeypatch.setattr(runner_module, "run_batch", aborts_here)
        book = runner.workbook(runner.get(job.id), "en")
        cases = openpyxl.load_workbook(io.BytesIO(book), read_only=True).worksheets[0]
        assert [row[0] for row in cases.iter_rows(min_row=2, values_only=True)] == expected
        assert sorted(p.name for p in (tmp_path / "jobs" / job.id).iterdir() if p.name.startswith("rejects")) == []
    finally:
        runner.close()


def test_a_jobs_lock_is_never_opened_through_a_link(tmp_path):
    """The job's lock file is opened for writing, as the store directory's is (service/file_lock): a link planted
    in its place is not followed, and the job is not claimed through it."""
    from policykit.service.job_folder import LOCK

    folder = _left_running(tmp_path / "jobs", "1" * 32, 0)
    target = tmp_path / "elsewhere"
    target.write_text("not the service's\n", encoding="utf-8")
    (folder.path / LOCK).unlink(missing_ok=True)
    (folder.path / LOCK).symlink_to(target)
    assert folder.claim() is False
    assert target.read_text(encoding="utf-8") == "not the service's\n" and target.stat().st_mode & 0o777 != 0o600
