"""Validated policies kept on disk, so a warm `policykit check` skips YAML parsing and pydantic validation.

An entry is used only when every file the policy was read from (the file and the bases it extends) still has
the content recorded (by digest: a modification time can stay the same across an edit on coarse file systems),
and policykit, pydantic and Python are the versions that wrote it.
Each entry holds the policy twice, pickled apart: the pydantic model (`load_policy`) and plain records
(policykit.records: what a warm `policykit check` reads, without importing pydantic).
Entries are pickles, so only files owned by the current user and writable by nobody else are read.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
from pathlib import Path as FsPath
from typing import TYPE_CHECKING

from . import __version__
from .cachedir import cache_dir, write_atomically

if TYPE_CHECKING:
    from .model import Policy
    from .records import PolicyRecord

_FORMAT = 2
_HERE = FsPath(__file__).resolve().parent


Stamps = tuple[tuple[str, "str | None"], ...]


def read(path: str) -> "tuple[Policy, Stamps] | None":
    """The cached policy model of the file at absolute `path` and its files' digests, if it is still current."""
    import pydantic

    from .model import Policy

    found = _read(path, "model")
    if found is None or found[0].get("pydantic") != pydantic.VERSION:
        return None
    policy = _loads(found[1])
    return (policy, found[2]) if isinstance(policy, Policy) else None


def read_records(path: str) -> "tuple[PolicyRecord, Stamps] | None":
    """The cached policy of `path` as plain records (no pydantic imported), if it is still current."""
    from .records import PolicyRecord

    found = _read(path, "records")
    if found is None:
        return None
    policy = _loads(found[1])
    return (policy, found[2]) if isinstance(policy, PolicyRecord) else None


def current(stamps: Stamps) -> bool:
    """Whether every file still has the content it had."""
    return all(digest(file) == stamp for file, stamp in stamps)


def write(path: str, policy: "Policy", files: tuple[str, ...]) -> Stamps:
    """Keep `policy`, read from `files` (the first is `path`), for the next process; the files' digests."""
    import pydantic

    from .records import record_of

    stamps = tuple((file, digest(file)) for file in files)
    entry = _entry(path)
    if entry is None:
        return stamps
    header = {"runtime": _runtime(), "pydantic": pydantic.VERSION, "files": stamps}
    try:
        # each form pickled apart, so that reading the records never unpickles (imports) the pydantic model
        parts = {"model": pickle.dumps(policy, protocol=pickle.HIGHEST_PROTOCOL),
                 "records": pickle.dumps(record_of(policy), protocol=pickle.HIGHEST_PROTOCOL)}
        data = pickle.dumps((header, parts), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an unpicklable policy is simply not cached
        return stamps
    write_atomically(entry, data, mode=0o600)
    return stamps


def _read(path: str, form: str) -> tuple[dict, bytes, Stamps] | None:
    """The entry's header, the pickled `form` and the stamps, when the entry is trusted and current."""
    entry = _entry(path)
    if entry is None:
        return None
    try:
        if not _trusted(entry.stat()):
            return None
        header, parts = pickle.loads(entry.read_bytes())
        stamps = tuple(tuple(pair) for pair in header.get("files", ()))
        if header.get("runtime") != _runtime() or not stamps or stamps[0][0] != path or not current(stamps):
            return None
        return header, parts[form], stamps
    except Exception:  # noqa: BLE001 - a missing, stale or damaged entry is a cache miss, never an error
        return None


def _loads(data: bytes):
    try:
        return pickle.loads(data)
    except Exception:  # noqa: BLE001 - damaged: a miss
        return None


def _entry(path: str) -> FsPath | None:
    root = cache_dir()
    if root is None:
        return None
    digest = hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return root / "policies" / f"{digest}.pickle"


def _runtime() -> tuple:
    """What must match for a pickled entry to be read back: our version, Python's, the model and record code."""
    return (_FORMAT, __version__, sys.version_info[:2], digest(str(_HERE / "model.py")),
            digest(str(_HERE / "records.py")))


def digest(file: str) -> str | None:
    """A digest of the file's content (None when it cannot be read)."""
    try:
        with open(file, "rb") as handle:
            return hashlib.blake2b(handle.read(), digest_size=16).hexdigest()
    except (OSError, ValueError):
        return None


def _trusted(info: os.stat_result) -> bool:
    """Only our own entries, writable by nobody else, are unpickled."""
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    getuid = getattr(os, "getuid", None)
    return getuid is None or info.st_uid == getuid()
