"""A lock file held by one process at a time: `flock`, let go by the kernel when the process ends (a SIGKILL too)."""

from __future__ import annotations

import os
from pathlib import Path

# never through a link planted where the lock file goes (it is opened for writing, by a service that may run as
# root), and not inherited by the processes the service starts
_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)


def try_lock(path: Path) -> int | None:
    """The descriptor of `path` (made 0600) locked for this process alone, without waiting; None when another
    process (or this one, through another descriptor) holds it. OSError when it cannot be opened."""
    fd = os.open(path, _FLAGS, 0o600)
    try:
        import fcntl
    except ImportError:  # no flock (Windows): the caller's other guards stand alone
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd
