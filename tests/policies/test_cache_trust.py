"""SPEC §15: caches hold no executable format and are read only from the user's own directory nobody else can write;
the file itself is checked on the opened descriptor (no symlink followed, no swap between check and read)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policykit import calendar, loader, policy_cache
from policykit.loader import bundled_ids, load_policy
from policykit.records import record_of

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "policies" / "mini.yaml"
root_only = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                               reason="giving a file to another user needs root")


def _entry_names(path: Path) -> list[str]:
    """Every name a policy cache entry of `path` has had (JSON now; pickle before), so tests hold for both."""
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:32]
    return [f"{digest}.json", f"{digest}.pickle"]


def _the_entry(cache: Path) -> Path:
    (entry,) = [p for p in (cache / "policies").iterdir() if p.suffix in (".json", ".pickle")]
    return entry


@pytest.fixture
def copy(tmp_path) -> Path:
    path = tmp_path / "mini.yaml"
    shutil.copy(MINI, path)
    return path


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The policy files read from YAML (a cache miss) from now on."""
    seen: list[str] = []
    original = loader.read_policy_files
    monkeypatch.setattr(loader, "read_policy_files", lambda path, *a: seen.append(str(path)) or original(path, *a))
    return seen


def test_every_cache_file_is_plain_json(cache, copy):
    load_policy(copy)
    calendar._saudi_holidays.cache_clear()
    calendar._saudi_holidays(2025)
    files = [p for p in cache.rglob("*") if p.is_file()]
    assert len(files) == 2
    for path in files:
        json.loads(path.read_bytes().decode("utf-8"))
        assert path.stat().st_mode & 0o077 == 0


class _Boom:
    def __reduce__(self):
        return (os.system, (f"touch {os.environ['POLICYKIT_TEST_MARKER']}",))


def test_a_planted_pickle_is_never_run(cache, copy, tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.setenv("POLICYKIT_TEST_MARKER", str(marker))
    (cache / "policies").mkdir(parents=True, mode=0o700)
    for name in _entry_names(copy):
        (cache / "policies" / name).write_bytes(pickle.dumps(_Boom()))
        (cache / "policies" / name).chmod(0o600)
    assert load_policy(copy).id == "mini"
    assert not marker.exists()


def test_an_entry_that_is_a_symlink_is_not_followed(cache, copy, tmp_path, reads):
    load_policy(copy)
    entry = _the_entry(cache)
    moved = tmp_path / "elsewhere"
    entry.rename(moved)
    entry.symlink_to(moved)  # same content, same owner: only the link makes it untrusted
    loader._loaded.clear()
    reads.clear()
    assert load_policy(copy).id == "mini"
    assert reads == [str(copy.resolve())]


@pytest.mark.parametrize("mode", [0o770, 0o777, 0o1777])
def test_an_entry_in_a_directory_others_can_write_is_ignored(cache, copy, reads, mode):
    load_policy(copy)
    (cache / "policies").chmod(mode)
    loader._loaded.clear()
    reads.clear()
    assert load_policy(copy).id == "mini"
    assert reads == [str(copy.resolve())]


def test_a_trusted_entry_is_used(cache, copy, reads):
    """The control for the tests above: the user's own entry in the user's own directory is a hit."""
    load_policy(copy)
    loader._loaded.clear()
    reads.clear()
    assert load_policy(copy).id == "mini" and reads == []


@root_only
def test_an_entry_written_by_someone_else_is_ignored(cache, copy, reads):
    load_policy(copy)
    os.chown(_the_entry(cache), 65534, 65534)
    loader._loaded.clear()
    reads.clear()
    load_policy(copy)
    assert reads == [str(copy.resolve())]


def test_the_temporary_file_cannot_be_planted(cache, copy, tmp_path):
    """The temporary name is mkstemp's (unpredictable, O_EXCL): a symlink planted at the old name is not followed."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (cache / "policies").mkdir(parents=True, mode=0o700)
    for name in _entry_names(copy):
        (cache / "policies" / f"{name}.{os.getpid()}.tmp").symlink_to(victim)
    load_policy(copy)
    assert victim.read_text(encoding="utf-8") == "precious\n"
    json.loads(_the_entry(cache).read_bytes())


def test_a_fifo_at_the_entry_is_a_miss_not_a_hang(tmp_path, copy):
    cache = tmp_path / "cache"
    (cache / "policies").mkdir(parents=True, mode=0o700)
    for name in _entry_names(copy):
        os.mkfifo(cache / "policies" / name, 0o600)
    probe = "import sys\nfrom policykit.loader import load_policy\nprint(load_policy(sys.argv[1]).id)\n"
    run = subprocess.run([sys.executable, "-c", probe, str(copy)], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "POLICYKIT_CACHE_DIR": str(cache)})
    assert run.returncode == 0 and run.stdout.strip() == "mini", run.stderr


# --- the holiday cache ------------------------------------------------------------------------------------


@pytest.fixture
def holidays_2025(cache):
    """The real holiday answer for 2025, and the path of its cache file (written by the first call)."""
    calendar._saudi_holidays.cache_clear()
    real = calendar._saudi_holidays(2025)
    path = calendar._cache_file(2025)
    assert path is not None and path.is_file()
    yield real, path
    calendar._saudi_holidays.cache_clear()


def _plant(path: Path, extra: dt.date) -> None:
    days = json.loads(path.read_text(encoding="utf-8")) + [extra.isoformat()]
    path.write_text(json.dumps(days), encoding="utf-8")


PLANTED = dt.date(2025, 6, 2)  # a Monday, a working day


@pytest.mark.parametrize("how", ["file-others-can-write", "directory-others-can-write", "symlink"])
def test_a_planted_holiday_file_moves_no_due_date(holidays_2025, tmp_path, how):
    real, path = holidays_2025
    assert PLANTED not in real
    _plant(path, PLANTED)
    if how == "file-others-can-write":
        path.chmod(0o666)
    elif how == "directory-others-can-write":
        path.parent.chmod(0o777)
    else:
        planted = tmp_path / "planted.json"
        path.rename(planted)
        path.symlink_to(planted)
    calendar._saudi_holidays.cache_clear()
    assert calendar._saudi_holidays(2025) == real


@root_only
def test_a_holiday_file_written_by_someone_else_is_ignored(holidays_2025):
    real, path = holidays_2025
    _plant(path, PLANTED)
    os.chown(path, 65534, 65534)
    calendar._saudi_holidays.cache_clear()
    assert calendar._saudi_holidays(2025) == real


def test_the_users_own_holiday_file_is_used(holidays_2025):
    """The control: the cache is read when it can be trusted (here, a planted day shows it was read)."""
    _, path = holidays_2025
    _plant(path, PLANTED)
    calendar._saudi_holidays.cache_clear()
    assert PLANTED in calendar._saudi_holidays(2025)


# --- what the JSON holds ----------------------------------------------------------------------------------


@pytest.mark.parametrize("pid", bundled_ids())
def test_every_bundled_policy_comes_back_from_json_equal(cache, pid):
    """Records and the validated model read back from an entry equal what was written, every version included."""
    policy = load_policy(pid)
    found = policy_cache.read_records(loader._absolute_path(pid))
    assert found is not None
    assert found[0] == record_of(policy)
    assert [v.version for v in found[0].versions] == [v.version for v in policy.versions]
    again = policy_cache.read(loader._absolute_path(pid))
    assert again is not None and again[0] == policy and again[0] is not policy
    assert all(a == b for a, b in zip(again[0].versions, policy.versions, strict=True))


def test_the_cache_directories_are_private_whatever_the_umask(cache, copy, reads):
    """With a group-writable umask (common on Debian) the directories would be untrusted and the cache useless."""
    old = os.umask(0o002)
    try:
        load_policy(copy)
        calendar._saudi_holidays.cache_clear()
        calendar._saudi_holidays(2025)
    finally:
        os.umask(old)
        calendar._saudi_holidays.cache_clear()
    assert [oct(d.stat().st_mode & 0o777) for d in (cache, cache / "policies")] == ["0o700", "0o700"]
    loader._loaded.clear()
    reads.clear()
    load_policy(copy)
    assert reads == []
