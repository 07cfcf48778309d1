"""Files that are not what they seem: symlink loops, FIFOs, devices, directories, unreadable config, outputs that
cannot be written. Each is one located line and exit 2, never exit 70, a traceback or a hang."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from policykit import source

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "examples" / "harif" / "late_decision.yaml"
MINI = ROOT / "tests" / "fixtures" / "policies" / "mini.yaml"
LOG = '{"case_id": "A", "type": "request_received", "at": "2025-03-02T09:00:00+03:00", "channel": "phone"}\n'


def _one_line(run, code: str, start: str | None = None) -> None:
    assert run.code == 2, (run.code, run.err)
    assert len(run.err_lines) == 1 and f": {code}: " in run.err_lines[0], run.err
    assert "internal error" not in run.err and "Traceback" not in run.err
    if start is not None:
        assert run.err_lines[0].startswith(start), run.err


@pytest.fixture
def loop(tmp_path) -> Path:
    """a.yaml -> b.yaml -> a.yaml"""
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    return tmp_path / "a.yaml"


def test_a_symlink_loop_as_the_policy_on_the_command_line(pk, loop):
    _one_line(pk.run_bounded("check", CASE, "--policy", loop, "--as-of", "2025-06-01", timeout=30),
              "file-unreadable", f"{loop}: ")


def test_a_symlink_loop_as_a_cases_policy(pk, loop):
    case = loop.parent / "case.yaml"
    case.write_text(f"case_id: C\npolicy: {loop.name}\nevents: []\n", encoding="utf-8")
    _one_line(pk.run_bounded("check", case, "--as-of", "2025-06-01", timeout=30), "file-not-found", f"{case}:2:1: ")


def test_a_symlink_loop_as_a_base_policy(pk, loop):
    child = loop.parent / "child.yaml"
    child.write_text("extends: a\nid: child\n", encoding="utf-8")
    _one_line(pk.run_bounded("show", child, timeout=30), "file-unreadable", f"{loop}: ")


def test_a_symlink_loop_as_the_case_file(pk, loop):
    _one_line(pk.run_bounded("check", loop, timeout=30), "file-unreadable", f"{loop}: ")


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


def test_a_fifo_as_the_case_file_is_refused_not_waited_on(pk, fifo):
    _one_line(pk.run_bounded("check", fifo, timeout=30), "not-a-regular-file", f"{fifo}: ")


def test_a_fifo_as_the_policy_file_is_refused_not_waited_on(pk, fifo):
    _one_line(pk.run_bounded("check", CASE, "--policy", fifo, timeout=30), "not-a-regular-file", f"{fifo}: ")
    _one_line(pk.run_bounded("show", fifo, timeout=30), "not-a-regular-file")


def test_a_fifo_as_a_base_policy_is_refused_not_waited_on(pk, tmp_path):
    os.mkfifo(tmp_path / "base.yaml")
    (tmp_path / "child.yaml").write_text("extends: base\nid: child\n", encoding="utf-8")
    _one_line(pk.run_bounded("show", tmp_path / "child.yaml", timeout=30), "not-a-regular-file")


@pytest.mark.parametrize("name", ["log.csv", "log.jsonl", "log.parquet"])
def test_a_fifo_as_the_batch_log_is_refused_as_one(pk, tmp_path, name):
    """A FIFO log is refused by what it is (it was 'no such log file'), unread, whatever its extension."""
    os.mkfifo(tmp_path / name)
    _one_line(pk.run_bounded("batch", tmp_path / name, "--policy", "harif", "--as-of", "2025-06-01", timeout=30),
              "not-a-regular-file", f"{tmp_path / name}: ")


def test_a_symlink_loop_and_a_directory_as_the_batch_log(pk, loop, tmp_path):
    _one_line(pk.run_bounded("batch", loop, "--policy", "harif", "--as-of", "2025-06-01", timeout=30),
              "file-unreadable", f"{loop}: ")
    (tmp_path / "dir.csv").mkdir()
    _one_line(pk.run_bounded("batch", tmp_path / "dir.csv", "--policy", "harif", "--as-of", "2025-06-01",
                             timeout=30), "file-not-found", f"{tmp_path / 'dir.csv'}: ")


def test_a_device_is_refused_unread(pk):
    """/dev/zero would be read up to the size limit; /dev/tty could wait for a person."""
    _one_line(pk.run_bounded("check", "/dev/zero", timeout=30), "not-a-regular-file", "/dev/zero: ")


def test_a_regular_file_reached_through_a_symlink_is_read(tmp_path):
    (tmp_path / "case.yaml").symlink_to(CASE)
    assert "H-2025-0042" in source.read_text(tmp_path / "case.yaml")


# --- policykit.toml ---------------------------------------------------------------------------------------


def _run_in(pk, directory: Path):
    """`policykit check` started in `directory`, where it looks for policykit.toml."""
    return pk.run_bounded("check", CASE, "--as-of", "2025-06-01", timeout=30, env={"POLICYKIT_CONFIG": ""},
                          cwd=directory)


def test_an_unreadable_config_file_is_an_error_not_ignored_nor_a_crash(pk, tmp_path, monkeypatch):
    config = tmp_path / "policykit.toml"
    config.write_text('reading = "literal"\n', encoding="utf-8")
    config.chmod(0)
    if os.geteuid() == 0:
        # root reads any file: the permission error is what the OS would answer anyone else
        real_open = os.open

        def refuse(path, *args, **kwargs):
            if os.fspath(path) == str(config):
                raise PermissionError(13, "Permission denied", str(config))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", refuse)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POLICYKIT_CONFIG", raising=False)
    run = pk.run_cli("check", CASE, "--as-of", "2025-06-01")
    _one_line(run, "file-unreadable", f"{config}: ")


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_a_config_file_that_is_no_regular_file_is_refused(pk, tmp_path, kind):
    config = tmp_path / "policykit.toml"
    if kind == "directory":
        config.mkdir()
    else:
        os.mkfifo(config)
    run = _run_in(pk, tmp_path)
    _one_line(run, "file-not-found" if kind == "directory" else "not-a-regular-file", f"{config}: ")


# --- outputs ----------------------------------------------------------------------------------------------


@pytest.fixture
def log(tmp_path) -> Path:
    path = tmp_path / "log.jsonl"
    path.write_text(LOG, encoding="utf-8")
    return path


@pytest.mark.parametrize("option", ["--out", "--rejects", "--summary-json"])
@pytest.mark.parametrize("where", ["a-directory", "in-a-missing-directory"])
def test_an_output_that_cannot_be_written_is_refused_before_the_log_is_read(pk, log, tmp_path, option, where):
    pytest.importorskip("pyarrow")
    (tmp_path / "dir.jsonl").mkdir()
    target = tmp_path / "dir.jsonl" if where == "a-directory" else tmp_path / "missing" / "o.jsonl"
    if option == "--summary-json" and where == "a-directory":
        target = tmp_path / "dir.jsonl"
    before = sorted(p.name for p in tmp_path.iterdir())
    run = pk.run_cli("batch", log, "--policy", "harif", "--as-of", "2025-06-01", "--workers", "1",
                     option, target)
    _one_line(run, "output-unwritable", f"{option}: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written, not even a temporary file


def test_an_existing_output_without_write_permission_is_refused(pk, log, tmp_path, monkeypatch):
    pytest.importorskip("pyarrow")
    out = tmp_path / "o.jsonl"
    out.write_text("kept\n", encoding="utf-8")
    out.chmod(stat.S_IRUSR)
    if os.geteuid() == 0:
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if os.fspath(p) == str(out) and mode & os.W_OK
                            else real_access(p, mode, **kw))
    run = pk.run_cli("batch", log, "--policy", "harif", "--as-of", "2025-06-01", "--workers", "1", "--out", out)
    _one_line(run, "output-unwritable", "--out: ")
    out.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert out.read_text(encoding="utf-8") == "kept\n"

