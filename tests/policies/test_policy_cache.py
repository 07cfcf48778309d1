"""The on-disk policy cache: used only while every file it was read from is unchanged, never trusted blindly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policykit import loader, policy_cache
from policykit.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "policies" / "mini.yaml"
VALID = ROOT / "tests" / "fixtures" / "invalid" / "policies" / "_valid.yaml"


def _entries(root: Path) -> list[Path]:
    return sorted((root / "policies").glob("*.json")) if (root / "policies").is_dir() else []


def _no_reading(monkeypatch):
    """Make any read of the YAML fail, so a load that succeeds came from the cache."""
    def refuse(path):
        raise AssertionError(f"read {path} although the cache was current")
    monkeypatch.setattr(loader, "read_policy_files", refuse)


def _bump(path: Path, text: str) -> None:
    """Rewrite with a new modification time even on coarse-grained file systems."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_a_second_load_comes_from_the_cache_and_equals_the_first(cache, tmp_path, monkeypatch):
    copy = tmp_path / "mini.yaml"
    shutil.copy(MINI, copy)
    first = load_policy(copy)
    assert len(_entries(cache)) == 1
    loader._loaded.clear()
    _no_reading(monkeypatch)
    again = load_policy(copy)
    assert again == first and again is not first
    assert [v.version for v in again.versions] == [v.version for v in first.versions] and len(again.versions) == 2


def _loaded_copy(tmp_path: Path, same_process: bool) -> Path:
    """A copy of the mini policy, loaded once; the next load is in this process or, from the disk cache, the next."""
    copy = tmp_path / "mini.yaml"
    shutil.copy(MINI, copy)
    load_policy(copy)
    if not same_process:
        loader._loaded.clear()
    return copy


@pytest.mark.parametrize("same_process", [True, False], ids=["same-process", "next-process"])
def test_an_edited_file_is_read_again(cache, tmp_path, same_process):
    copy = _loaded_copy(tmp_path, same_process)
    _bump(copy, copy.read_text(encoding="utf-8").replace("id: mini\n", "id: mini_edited\n", 1))
    assert load_policy(copy).id == "mini_edited"


@pytest.mark.parametrize("same_process", [True, False], ids=["same-process", "next-process"])
def test_an_edit_that_keeps_size_and_modification_time_is_still_seen(cache, tmp_path, same_process):
    """Coarse file systems keep the mtime across a quick edit: the cache compares contents."""
    copy = _loaded_copy(tmp_path, same_process)
    info = copy.stat()
    text = copy.read_text(encoding="utf-8")
    assert "id: mini\n" in text
    copy.write_text(text.replace("id: mini\n", "id: mino\n", 1), encoding="utf-8")
    os.utime(copy, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert copy.stat().st_size == info.st_size and copy.stat().st_mtime_ns == info.st_mtime_ns
    assert load_policy(copy).id == "mino"


@pytest.mark.parametrize("same_process", [True, False], ids=["same-process", "next-process"])
def test_an_edited_base_is_read_again(cache, tmp_path, same_process):
    base = tmp_path / "base.yaml"
    base.write_text(VALID.read_text(encoding="utf-8").replace("id: sample", "id: base"), encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text("extends: base\nid: child\n", encoding="utf-8")
    before = load_policy(child)
    if not same_process:
        loader._loaded.clear()
    _bump(base, base.read_text(encoding="utf-8").replace("audience: beneficiaries",
                                                         "audience: general_assembly_members", 1))
    after = load_policy(child)
    assert before.audience == "beneficiaries" and after.audience == "general_assembly_members"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "group_writable", "other_runtime"])
def test_a_damaged_or_untrusted_entry_is_a_miss_not_an_error(cache, tmp_path, monkeypatch, damage):
    copy = tmp_path / "mini.yaml"
    shutil.copy(MINI, copy)
    expected = load_policy(copy)
    (entry,) = _entries(cache)
    if damage == "garbage":
        entry.write_bytes(b"not JSON")
    elif damage == "truncated":
        entry.write_bytes(entry.read_bytes()[:100])
    elif damage == "group_writable":
        entry.chmod(0o660)
    else:
        monkeypatch.setattr(policy_cache, "_FORMAT", -1)
    assert policy_cache.read(str(copy.resolve())) is None
    loader._loaded.clear()
    assert load_policy(copy) == expected


def test_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", "off")
    monkeypatch.setenv("HOME", str(tmp_path))
    loader._loaded.clear()
    copy = tmp_path / "mini.yaml"
    shutil.copy(MINI, copy)
    load_policy(copy)
    loader._loaded.clear()
    assert not list(tmp_path.rglob("*.json"))


def test_an_unwritable_cache_only_costs_speed(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", str(blocker))
    loader._loaded.clear()
    assert load_policy(MINI).id == "mini"
    loader._loaded.clear()


HEAVY = ("pydantic", "policykit.model", "rich", "numpy", "pyarrow", "jinja2", "pandas", "orjson")


def test_check_from_a_warm_cache_imports_nothing_heavy(tmp_path):
    """The point of the cache: a warm `policykit check` reads plain records and never imports pydantic; neither
    report (JSON, or text to a pipe) imports rich, numpy, pyarrow or jinja2 (SPEC's light check path)."""
    probe = ("import sys\nfrom policykit.cli import main\n"
             "code = main(['check', sys.argv[1], '--as-of', '2025-06-01', '--format', sys.argv[2]])\n"
             f"print(*[name in sys.modules for name in {HEAVY!r}], code, file=sys.stderr)\n")
    case = ROOT / "examples" / "harif" / "late_decision.yaml"
    for fmt in ("json", "text"):
        env = {**os.environ, "POLICYKIT_CACHE_DIR": str(tmp_path / fmt)}
        env.pop("FORCE_COLOR", None)
        runs = [subprocess.run([sys.executable, "-c", probe, str(case), fmt], env=env, capture_output=True,
                               text=True) for _ in range(2)]
        assert runs[0].stdout == runs[1].stdout and runs[1].stdout.strip(), runs[1].stderr
        cold, warm = (dict(zip(HEAVY + ("code",), run.stderr.split())) for run in runs)
        assert cold["pydantic"] == cold["policykit.model"] == "True", runs[0].stderr  # cold: the YAML was validated
        assert warm == {**dict.fromkeys(HEAVY, "False"), "code": "1"}, runs[1].stderr  # warm: records only
