"""SPEC §15: outputs are written under a temporary name and renamed when complete (a killed or failed run leaves
the previous file intact); an output that is an input is refused before anything is read or written."""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policykit.cli import main

pytest.importorskip("pyarrow")

ROOT = Path(__file__).resolve().parents[2]
PREVIOUS = "the previous, complete output\n"


def _cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def log(tmp_path, loggen) -> Path:
    path = tmp_path / "log.jsonl"
    loggen.write(loggen.generate(300, "harif", seed=3), path)
    return path


def _batch(log: Path, *extra):
    return _cli("batch", log, "--policy", "harif", "--as-of", "2025-06-01", "--workers", "1", *extra)


@pytest.mark.parametrize("option", ["--out", "--rejects", "--summary-json"])
@pytest.mark.parametrize("spelling", ["same-path", "relative", "hard-link", "symlink"])
def test_an_output_that_is_the_input_log_is_refused_and_the_log_kept(log, tmp_path, monkeypatch, option, spelling):
    before = log.read_bytes()
    monkeypatch.chdir(tmp_path)
    if spelling == "same-path":
        target = log
    elif spelling == "relative":
        target = Path(".") / ".." / tmp_path.name / log.name
    elif spelling == "hard-link":
        target = tmp_path / "other.jsonl"
        os.link(log, target)
    else:
        target = tmp_path / "link.jsonl"
        target.symlink_to(log)
    code, out, err = _batch(log, option, target)
    assert code == 2 and err.splitlines() == [
        f"{option}: output-is-input: the output would overwrite an input file; write the output to another file"]
    assert log.read_bytes() == before and out == ""


def test_two_outputs_naming_one_file_are_refused(log, tmp_path):
    code, _, err = _batch(log, "--out", tmp_path / "o.csv", "--summary-json", tmp_path / "o.csv")
    assert code == 2 and "--summary-json: output-is-input: the same file as --out" in err


def test_an_output_over_the_policy_file_is_refused(log, tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_bytes((ROOT / "policies" / "harif.yaml").read_bytes())
    code, _, err = _cli("batch", log, "--policy", policy, "--as-of", "2025-06-01", "--summary-json", policy)
    assert code == 2 and "--summary-json: output-is-input" in err
    assert policy.read_bytes() == (ROOT / "policies" / "harif.yaml").read_bytes()


@pytest.mark.parametrize("option", ["--report", "--rejects", "--summary-json"])
def test_an_output_over_the_column_map_or_the_settings_file_is_refused(log, tmp_path, monkeypatch, option):
    """The --columns map and the settings file (./policykit.toml, POLICYKIT_CONFIG) are inputs too: they were
    overwritten by an output naming them."""
    monkeypatch.chdir(tmp_path)
    columns = tmp_path / "columns.yaml"
    columns.write_text("case_id: case_id\n", encoding="utf-8")
    settings = tmp_path / "policykit.toml"
    settings.write_text('reading = "intended"\n', encoding="utf-8")
    named = tmp_path / "named.toml"
    named.write_text('reading = "intended"\n', encoding="utf-8")
    for target, env in ((columns, None), (Path("policykit.toml"), None), (named, str(named))):
        if env:
            monkeypatch.setenv("POLICYKIT_CONFIG", env)
        code, _, err = _batch(log, "--columns", columns, "--out", tmp_path / "v.jsonl", option, target)
        assert code == 2 and f"{option}: output-is-input: the output would overwrite an input file" in err, err
    assert columns.read_text("utf-8") == "case_id: case_id\n"
    assert settings.read_text("utf-8") == named.read_text("utf-8") == 'reading = "intended"\n'
    assert not (tmp_path / "v.jsonl").exists()


def test_a_settings_file_that_is_not_there_is_no_input(log, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = _batch(log, "--out", tmp_path / "v.jsonl", "--summary-json", "policykit.toml")
    assert code in (0, 1), err
    assert (tmp_path / "policykit.toml").exists()


def test_a_run_without_rejects_empties_an_earlier_runs_rejects_file(tmp_path):
    """The rejects file was written only when rows were rejected: after a corrected export, the earlier run's
    rejects stayed beside the new verdicts, as if this run had rejected them."""
    log = tmp_path / "log.csv"
    out = tmp_path / "v.jsonl"
    rejects = tmp_path / "v.jsonl.rejects.csv"
    log.write_text("case_id,type,at\nA,request_received,2025-03-02\nA,bogus,2025-03-03\n", encoding="utf-8")
    code, _, err = _batch(log, "--out", out)
    assert code == 2 and rejects.read_text("utf-8").count("\n") == 2, err
    log.write_text("case_id,type,at\nA,request_received,2025-03-02\n", encoding="utf-8")
    code, _, err = _batch(log, "--out", out)
    assert code == 0 and "rejected" not in err, err
    assert rejects.read_bytes() == b"file,line,reason\r\n"
    other = tmp_path / "w.jsonl"
    assert _batch(log, "--out", other)[0] == 0
    assert not (tmp_path / "w.jsonl.rejects.csv").exists()  # none is made when there was none


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "parquet"])
def test_a_failed_run_leaves_the_previous_output_intact(log, tmp_path, monkeypatch, suffix):
    """The cases limit is found only once the verdicts are written: the old file stays, no temporary is left."""
    out = tmp_path / f"o.{suffix}"
    out.write_text(PREVIOUS, encoding="utf-8")
    monkeypatch.setenv("POLICYKIT_MAX_CASES", "1")
    code, _, err = _batch(log, "--out", out)
    assert code == 2 and "too-many-cases" in err
    assert out.read_text(encoding="utf-8") == PREVIOUS
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["log.jsonl", out.name])


def _run_with_file_size_limit(limit: int, *argv, stdout=subprocess.PIPE):
    """policykit in a subprocess whose files may not grow past `limit` bytes (`ulimit -f`): a write beyond it
    fails with EFBIG, as one to a full disk fails with ENOSPC."""
    import resource

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-m", "policykit", *map(str, argv)], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=120, preexec_fn=limited)


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "parquet", "xlsx", "rejects", "report"])
def test_an_output_the_disk_cannot_hold_is_one_error_and_the_previous_file_is_kept(tmp_path, big_log, suffix):
    """A write that fails for room (`ulimit -f` here; a full disk alike) was 'internal error: OSError … a bug in
    policykit', exit 70, and for .xlsx a traceback of openpyxl's unclosed archive after it. Now one line,
    output-unwritable, exit 2; the earlier file is as it was and no temporary file is left."""
    if suffix == "xlsx":
        pytest.importorskip("openpyxl")
    log = tmp_path / "log.jsonl"
    with open(big_log, encoding="utf-8") as source:
        lines = [next(source) for _ in range(20_000)]
    lines[1] = '{"case_id": "bad", "type": "no_such_type", "at": "2025-03-02"}\n'  # one rejected row
    log.write_text("".join(lines), encoding="utf-8")
    name = {"rejects": "o.rejects.csv", "report": "o.html"}.get(suffix, f"o.{suffix}")
    out = tmp_path / name
    out.write_text(PREVIOUS, encoding="utf-8")
    argv = ["batch", log, "--policy", "harif", "--as-of", "2025-06-01", "--workers", "1"]
    verdicts = tmp_path / "verdicts.jsonl"
    verdicts.symlink_to(os.devnull)  # a device is written straight through: only the file under test is limited
    if suffix == "rejects":  # a rejects file larger than the limit: thousands of rejected rows
        log.write_text("".join(f'{{"case_id": "bad{n}", "type": "no_such_type", "at": "2025-03-02"}}\n'
                               for n in range(20_000)), encoding="utf-8")
        argv += ["--out", verdicts, "--rejects", out]
    elif suffix == "report":
        argv += ["--out", verdicts, "--report", out]
    else:
        argv += ["--out", out]
    limit = 64 * 1024 if suffix != "report" else 8 * 1024
    run = _run_with_file_size_limit(limit, *argv)
    lines = run.stderr.splitlines()
    assert run.returncode == 2, run.stderr[-2000:]
    assert [line for line in lines if not line.startswith("ignored")] == [
        "output-unwritable: an output could not be written: File too large; the unfinished file was not kept (an "
        "earlier one of that name is as it was); make room on that disk (or raise the file size limit), or write "
        "it elsewhere"]
    assert out.read_text(encoding="utf-8") == PREVIOUS
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert os.path.samefile(verdicts, os.devnull)


@pytest.mark.parametrize("command", ["check", "batch"])
def test_standard_output_on_a_full_disk_is_one_error(tmp_path, log, command):
    """Verdicts sent to a full disk (/dev/full answers every write with ENOSPC): exit 2 and one line, not
    'internal error … a bug in policykit' (exit 70) followed, for batch, by a traceback of its worker pool."""
    argv = ([command, ROOT / "examples" / "harif" / "late_decision.yaml"] if command == "check" else
            [command, log, "--policy", "harif", "--as-of", "2025-06-01", "--workers", "2"])
    with open("/dev/full", "w") as full:
        run = subprocess.run([sys.executable, "-m", "policykit", *map(str, argv)], stdout=full,
                             stderr=subprocess.PIPE, text=True, timeout=120)
    assert run.returncode == 2 and run.stderr.splitlines() == [
        "output-unwritable: an output could not be written: No space left on device; the unfinished file was not "
        "kept (an earlier one of that name is as it was); make room on that disk (or raise the file size limit), "
        "or write it elsewhere"]


def test_a_complete_run_replaces_the_output_keeping_its_permissions(log, tmp_path):
    out = tmp_path / "o.jsonl"
    out.write_text(PREVIOUS, encoding="utf-8")
    out.chmod(0o640)
    code, _, err = _batch(log, "--out", out, "--summary-json", tmp_path / "s.json")
    assert code in (0, 1), err
    assert out.read_text(encoding="utf-8") != PREVIOUS and stat.S_IMODE(out.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.jsonl", "o.jsonl", "s.json"]


@pytest.fixture(scope="module")
def big_log(tmp_path_factory, loggen) -> Path:
    """A log long enough that judging it takes a while (written once for the module)."""
    log = tmp_path_factory.mktemp("big") / "big.jsonl"
    loggen.write(loggen.generate(100_000, "harif", seed=5), log)
    return log


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_a_killed_batch_leaves_the_previous_output_intact(tmp_path, big_log, suffix):
    """SIGKILL while verdicts are being written: the output file still holds the previous run's, whole."""
    log = big_log
    out = tmp_path / f"o.{suffix}"
    out.write_text(PREVIOUS, encoding="utf-8")
    child = subprocess.Popen([sys.executable, "-m", "policykit", "batch", str(log), "--policy", "harif",
                              "--as-of", "2025-06-01", "--workers", "1", "--out", str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        part = None
        while part is None and child.poll() is None and time.monotonic() < deadline:
            found = [p for p in tmp_path.iterdir() if p.name.startswith(f".{out.name}.")]
            part = found[0] if found else None
            time.sleep(0.005)
        assert part is not None, "the run ended before it opened its output: use a larger log"
        # killed once verdicts are being written, or after two seconds of reading and judging
        written = time.monotonic() + 2
        while child.poll() is None and time.monotonic() < written and not part.stat().st_size:
            time.sleep(0.005)
        assert child.poll() is None, "the run ended before it was killed: use a larger log"
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert out.read_text(encoding="utf-8") == PREVIOUS
    # what is left is the temporary file, plainly not the output, with its partial content
    assert part.exists() and part.name.endswith(".part")
    # until the next run writing that output, which removes it (its writer is gone) and writes the output whole
    code, _, err = _cli("batch", log, "--policy", "harif", "--as-of", "2025-06-01", "--workers", "1", "--out", out)
    assert code in (0, 1), err
    assert not part.exists() and not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert out.read_text(encoding="utf-8") != PREVIOUS and out.stat().st_size > 1000


def test_only_a_killed_writers_temporary_files_are_removed(tmp_path, log):
    """The next writer of an output removes the temporary files of its earlier writers on this host whose process
    is gone; a live writer's, another host's, another output's and a link named like one stay."""
    from policykit.atomic import _writer

    host, me = _writer().split("-")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    out = tmp_path / "v.jsonl"
    dead = tmp_path / f".v.jsonl.{host}-{gone.pid}.k1ll3d_x.part"
    live = tmp_path / f".v.jsonl.{host}-{os.getppid()}.l1v3abcd.part"
    foreign = tmp_path / f".v.jsonl.0badc0de-{gone.pid}.f0r31gnx.part"
    other = tmp_path / f".w.jsonl.{host}-{gone.pid}.0th3rxyz.part"
    for path in (dead, live, foreign, other):
        path.write_text("partial\n", encoding="utf-8")
    link = tmp_path / f".v.jsonl.{host}-{gone.pid}.l1nkxxxx.part"
    link.symlink_to(tmp_path / "elsewhere")
    code, _, err = _batch(log, "--out", out)
    assert code in (0, 1), err
    assert not dead.exists()
    assert live.exists() and foreign.exists() and other.exists() and link.is_symlink()
    assert out.stat().st_size > 100 and me.isdigit()


# --- the helper itself (imported in each test, so the tests above also run against code without it) --------


_WRITER = """
import os, signal, sys
from policykit.atomic import AtomicFile
file = AtomicFile(sys.argv[1])
handle = file.open("w")
handle.write("half of a new file\\n")
handle.flush()
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_writer_killed_before_commit_leaves_the_target_as_it_was(tmp_path):
    target = tmp_path / "report.md"
    target.write_text(PREVIOUS, encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", _WRITER, str(target)], capture_output=True, timeout=60)
    assert run.returncode == -signal.SIGKILL
    assert target.read_text(encoding="utf-8") == PREVIOUS


def test_commit_replaces_and_an_exception_discards(tmp_path):
    from policykit.atomic import AtomicFile, write_atomic

    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with AtomicFile(target) as file:
            file.open("w").write("never seen")
            raise RuntimeError("the writer failed")
    assert not target.exists() and list(tmp_path.iterdir()) == []
    write_atomic(target, "whole\n")
    assert target.read_text() == "whole\n"
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_a_symlinked_output_keeps_its_link(tmp_path):
    from policykit.atomic import write_atomic

    real = tmp_path / "real.txt"
    real.write_text(PREVIOUS)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_atomic(link, "new\n")
    assert link.is_symlink() and real.read_text() == "new\n"


def _another_users_link(folder: Path, target: Path, name: str) -> Path:
    """A symbolic link to `target` in `folder`, owned by another user (needs root, as CI runs)."""
    import pwd

    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs as root: another user's link can be made there")
        pytest.skip("making another user's link needs root")
    link = folder / name
    link.symlink_to(target)
    os.lchown(link, pwd.getpwnam("nobody").pw_uid, -1)
    return link


@pytest.mark.parametrize("through", ["file", "directory"])
def test_another_users_link_in_a_shared_directory_is_not_followed(tmp_path, log, through):
    """A link another user planted in /tmp (sticky, writable by all) as the output's name: the run replaced the
    file it pointed to, one of the user's own (here a file standing for ~/.bashrc). The kernel's
    protected_symlinks guards a path walk, not realpath and a rename, and is off on some machines. Now refused
    before any work, the file as it was; a link through a linked directory alike."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    home = tmp_path / "home"
    home.mkdir()
    victim = home / "bashrc"
    victim.write_text(PREVIOUS, encoding="utf-8")
    if through == "file":
        out = _another_users_link(shared, victim, "out.jsonl")
    else:
        out = _another_users_link(shared, home, "results") / "bashrc"
    code, _, err = _batch(log, "--out", out, "--report", shared / "audit.html")
    assert code == 2 and err.splitlines() == [
        "--out: output-unwritable: the path goes through a symbolic link another user made in a shared directory; "
        "not followed; write the output to a directory of your own"]
    assert victim.read_text(encoding="utf-8") == PREVIOUS and sorted(os.listdir(home)) == ["bashrc"]
    from policykit.atomic import AtomicFile
    from policykit.diagnostics import PolicykitError

    with pytest.raises(PolicykitError):  # every writer of an output, not only the command line's checks
        AtomicFile(out)
    own = shared / "mine.jsonl"  # the user's own link there is followed, as before
    own.symlink_to(home / "mine.jsonl")
    assert _batch(log, "--out", own)[0] in (0, 1) and (home / "mine.jsonl").stat().st_size > 0


def test_a_device_is_written_straight_through():
    from policykit.atomic import write_atomic

    write_atomic("/dev/null", b"discarded")  # no temporary file beside it in /dev, no rename over it
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def _slow_syncs(monkeypatch):
    """fdatasync recorded (file descriptor, what it names, whether it was still open when it ended), and slow."""
    import threading

    calls, real = [], getattr(os, "fdatasync", os.fsync)
    lock = threading.Lock()

    def slow(fd):
        name = os.readlink(f"/proc/self/fd/{fd}")
        time.sleep(0.2)
        still = os.readlink(f"/proc/self/fd/{fd}") == name
        real(fd)
        with lock:
            calls.append((fd, name, still))

    monkeypatch.setattr(os, "fdatasync", slow, raising=False)
    return calls


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc/self/fd")
@pytest.mark.parametrize("end", ["commit", "discard"])
def test_sync_behind_syncs_the_temporary_file_and_ends_before_its_descriptor_closes(tmp_path, monkeypatch, end):
    from policykit.atomic import AtomicFile

    calls = _slow_syncs(monkeypatch)
    target = tmp_path / "verdicts.jsonl"
    file = AtomicFile(target)
    handle = file.open("wb")
    handle.write(b"a" * 100)
    file.sync_behind(every=1000)
    assert calls == [] and file._syncing is None  # under `every`: nothing started
    handle.write(b"b" * 1000)
    file.sync_behind(every=1000)
    file.sync_behind(every=1)  # one is running: no second
    getattr(file, end)()
    # the sync ran on the temporary file, and had ended before its descriptor was closed (none reached a reused one)
    assert [(name.endswith(".part"), still) for _, name, still in calls] == [(True, True)]
    assert (target.read_bytes() == b"a" * 100 + b"b" * 1000) if end == "commit" else not target.exists()


def test_batch_jsonl_starts_the_disk_while_it_writes(tmp_path, monkeypatch, log):
    from policykit.atomic import AtomicFile

    started = []
    real = AtomicFile.sync_behind
    monkeypatch.setattr(AtomicFile, "sync_behind",
                        lambda self, every=1: started.append(self.handle.tell()) or real(self, every=1))
    out = tmp_path / "verdicts.jsonl"
    code, _, err = _batch(log, "--out", out)
    assert code in (0, 1), err
    cases = {json.loads(line)["case_id"] for line in log.read_text(encoding="utf-8").splitlines()}
    assert len(out.read_bytes().splitlines()) == len(cases) > 1
    assert started and started[-1] == out.stat().st_size  # after the last verdicts written too
