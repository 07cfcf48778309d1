"""Where policykit keeps what it can recompute, and how: POLICYKIT_CACHE_DIR, else ~/.cache/policykit ('off' disables).

A cache file is data only (JSON), and it is trusted only when nobody but the user could have written it: it is read
through O_NOFOLLOW from a directory the user owns and nobody else can write, and the file itself (checked by fstat
on the opened descriptor, so what was checked is what is read) is a regular file the user owns and nobody else can
write. Anything else is a miss: the value is recomputed, never taken from someone else (SPEC §15).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path as FsPath

from .atomic import AtomicFile

MAX_ENTRY_BYTES = 16 * 1024 * 1024
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def cache_dir() -> FsPath | None:
    """The cache directory, or None when caching is off."""
    root = os.environ.get("POLICYKIT_CACHE_DIR", "")
    if root.lower() == "off":
        return None
    return FsPath(root) if root else FsPath.home() / ".cache" / "policykit"


def trusted(info: os.stat_result) -> bool:
    """Whether a file or directory is the user's own and nobody else can write it."""
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    getuid = getattr(os, "getuid", None)
    return getuid is None or info.st_uid == getuid()


def read_entry(path: FsPath, limit: int = MAX_ENTRY_BYTES) -> bytes | None:
    """The bytes of the cache file `path` when it and its directory are trusted, else None (a miss)."""
    try:
        directory = os.open(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC)
    except (OSError, ValueError):
        return None
    try:
        info = os.fstat(directory)
        if not stat.S_ISDIR(info.st_mode) or not trusted(info):
            return None
        flags = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | _CLOEXEC
        # opened relative to the directory just checked, so neither can be swapped between the check and the read
        fd = (os.open(path.name, flags, dir_fd=directory) if os.open in os.supports_dir_fd
              else os.open(path, flags))
        with open(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or not trusted(info) or info.st_size > limit:
                return None
            data = handle.read(limit + 1)
        return data if len(data) <= limit else None
    except (OSError, ValueError):  # missing (the usual miss), a symlink (ELOOP), unreadable
        return None
    finally:
        os.close(directory)


def write_entry(path: FsPath, data: bytes) -> None:
    """Keep `data` at `path` for the next process, only in a trusted directory; a cache that cannot be written only
    costs speed."""
    try:
        # the entry's directory and the one above it (the cache root) made 0700, whatever the umask
        path.parent.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(path.parent)
        if not stat.S_ISDIR(info.st_mode) or not trusted(info):
            return  # a directory someone else could write (or a symlink to one) is never written to either
        # a temporary file made by mkstemp in that directory, renamed over the entry (a planted link is replaced)
        with AtomicFile(path, mode=0o600, durable=False, follow_symlinks=False, tidy=False) as file:
            file.open("wb").write(data)
    except OSError:
        pass
