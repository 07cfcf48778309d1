"""Validated policies kept on disk, so a warm `policykit check` skips YAML parsing and pydantic validation.

An entry is used only when every file the policy was read from (the file and the bases it extends) still has
the modification time and size recorded, and policykit, pydantic and Python are the versions that wrote it.
Entries are pickles, so only files owned by the current user and writable by nobody else are read.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
from pathlib import Path as FsPath

from . import __version__
from .cachedir import cache_dir, write_atomically
from .model import Policy

_FORMAT = 1


def read(path: str) -> Policy | None:
    """The cached policy of the file at absolute `path`, if it is still current."""
    entry = _entry(path)
    if entry is None:
        return None
    try:
        info = entry.stat()
        if not _trusted(info):
            return None
        header, policy = pickle.loads(entry.read_bytes())
    except Exception:  # noqa: BLE001 - a missing, stale or damaged entry is a cache miss, never an error
        return None
    if header.get("runtime") != _runtime() or not isinstance(policy, Policy):
        return None
    if any(_stamp(file) != stamp for file, stamp in header.get("files", ())) or not header.get("files"):
        return None
    return policy


def write(path: str, policy: Policy, files: tuple[str, ...]) -> None:
    """Keep `policy`, read from `files` (the first is `path`), for the next process."""
    entry = _entry(path)
    if entry is None:
        return
    header = {"runtime": _runtime(), "files": [(file, _stamp(file)) for file in files]}
    try:
        data = pickle.dumps((header, policy), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an unpicklable policy is simply not cached
        return
    write_atomically(entry, data, mode=0o600)


def _entry(path: str) -> FsPath | None:
    root = cache_dir()
    if root is None:
        return None
    digest = hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return root / "policies" / f"{digest}.pickle"


def _runtime() -> tuple:
    """What must match for a pickled model to be read back: our version, pydantic's, Python's."""
    import pydantic

    model_file = sys.modules[Policy.__module__].__file__ or ""
    return (_FORMAT, __version__, pydantic.VERSION, sys.version_info[:2], _stamp(model_file))


def _stamp(file: str) -> tuple[int, int] | None:
    try:
        info = os.stat(file)
    except (OSError, ValueError):
        return None
    return (info.st_mtime_ns, info.st_size)


def _trusted(info: os.stat_result) -> bool:
    """Only our own entries, writable by nobody else, are unpickled."""
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    getuid = getattr(os, "getuid", None)
    return getuid is None or info.st_uid == getuid()
