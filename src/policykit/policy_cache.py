"""Validated policies kept on disk, so a warm `policykit check` skips YAML parsing and pydantic validation.

An entry is used only when every file the policy was read from (the file and the bases it extends) still has
the content recorded (by digest: a modification time can stay the same across an edit on coarse file systems),
and policykit, pydantic and Python are the versions that wrote it.
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


Stamps = tuple[tuple[str, "str | None"], ...]


def read(path: str) -> tuple[Policy, Stamps] | None:
    """The cached policy of the file at absolute `path` and its files' digests, if it is still current."""
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
    stamps = tuple(tuple(pair) for pair in header.get("files", ()))
    if not stamps or stamps[0][0] != path or not current(stamps):
        return None
    return policy, stamps


def current(stamps: Stamps) -> bool:
    """Whether every file still has the content it had."""
    return all(digest(file) == stamp for file, stamp in stamps)


def write(path: str, policy: Policy, files: tuple[str, ...]) -> Stamps:
    """Keep `policy`, read from `files` (the first is `path`), for the next process; the files' digests."""
    stamps = tuple((file, digest(file)) for file in files)
    entry = _entry(path)
    if entry is None:
        return stamps
    header = {"runtime": _runtime(), "files": stamps}
    try:
        data = pickle.dumps((header, policy), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an unpicklable policy is simply not cached
        return stamps
    write_atomically(entry, data, mode=0o600)
    return stamps


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
    return (_FORMAT, __version__, pydantic.VERSION, sys.version_info[:2], digest(model_file))


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
