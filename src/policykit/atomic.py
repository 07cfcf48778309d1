"""Output files written whole or not at all: a temporary name beside the target, renamed over it when complete.

Every writer of a file policykit produces (batch verdicts, rejects, summaries, reports, caches) goes through
`AtomicFile` (or `write_atomic`), so a run killed half-way leaves the previous file as it was, never a truncated
one that looks complete. `check_outputs` refuses, before any work, an output that is an input or cannot be written.
"""

from __future__ import annotations

import os
import stat
from typing import IO, Iterable, Mapping

from .diagnostics import PolicykitError, Span


class AtomicFile:
    """A temporary file beside `path` (made by mkstemp); `commit()` renames it over `path`, `discard()` drops it.

    A target that exists and is not a regular file (`/dev/null`, a terminal, a pipe) cannot be replaced and is
    written straight through. A symlink is followed: the file it points to is replaced, the link kept.
    With `follow_symlinks` False (caches), whatever is at `path`, a symlink or a FIFO, is simply replaced.
    Used as a context manager it commits when the block ends normally and discards on an exception.
    With `tidy`, the temporary files an earlier writer of `path` left when it was killed (SIGKILL, a power cut)
    are removed first: those of this host whose process is gone (`remove_stale_parts`).
    """

    def __init__(self, path: "str | os.PathLike[str]", *, mode: int | None = None, durable: bool = True,
                 follow_symlinks: bool = True, tidy: bool = True) -> None:
        import tempfile  # not at the top: the check path imports this module (caches) and rarely writes

        self.path = os.fspath(path)
        self.durable = durable
        self.handle: IO | None = None
        self._syncing = None  # the thread of sync_behind's running fdatasync
        self._synced_to = 0
        if follow_symlinks:
            refuse_shared_link(self.path)
        target = os.path.realpath(self.path) if follow_symlinks else os.path.abspath(self.path)
        try:
            info = os.stat(target) if follow_symlinks else None
        except FileNotFoundError:
            info = None
        if info is not None and not stat.S_ISREG(info.st_mode):
            self.target, self.temp, self.mode = target, None, None
            self._fd: int | None = os.open(target, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
            return
        self.target = target
        # an existing file keeps its permissions; a new one gets what open() would give it
        self.mode = mode if mode is not None else stat.S_IMODE(info.st_mode) if info else 0o666 & ~_umask()
        directory, name = os.path.split(target)
        if tidy:
            remove_stale_parts(directory or ".", name)
        # the writer's host and process in the name: a later run can tell a killed writer's file from a live one's
        self._fd, self.temp = tempfile.mkstemp(dir=directory or ".", prefix=f".{name}.{_writer()}.", suffix=".part")

    @property
    def name(self) -> str:
        """The path to write to, for a library that opens the file itself (pyarrow's ParquetWriter)."""
        return self.temp or self.target

    def open(self, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None) -> IO:
        """The file object to write through (once; it is closed by commit or discard)."""
        if self.handle is None:
            fd, self._fd = self._fd, None
            binary = "b" in mode
            self.handle = open(fd, mode, encoding=None if binary else encoding, newline=None if binary else newline)
        return self.handle

    def sync_behind(self, every: int = 64 << 20) -> None:
        """Start the disk on what is written so far, in a thread, once `every` more bytes are written and no such
        start is running: the final fsync of a large file then has little left, and the disk works while the
        rest is made (a gigabyte of JSONL verdicts took a second more to commit without it)."""
        handle = self.handle
        if self.temp is None or not self.durable or handle is None:
            return
        end = handle.tell()
        if end - self._synced_to < every or (self._syncing is not None and self._syncing.is_alive()):
            return
        import threading

        handle.flush()
        self._synced_to = end
        self._syncing = threading.Thread(target=_sync_quietly, args=(handle.fileno(),), daemon=True,
                                         name="policykit-sync-behind")
        self._syncing.start()

    def commit(self) -> None:
        """Finish: everything written reaches the disk, then the temporary file takes the target's name."""
        handle = self.handle
        try:
            if self.temp is not None and self.durable:
                if handle is not None and not handle.closed:
                    handle.flush()
                    os.fsync(handle.fileno())
                elif self._fd is not None:  # written by a library through `name`: one inode, one fsync
                    os.fsync(self._fd)
        finally:
            self._close()
        if self.temp is None:
            return
        try:
            os.chmod(self.temp, self.mode)
            os.replace(self.temp, self.target)
        except BaseException:
            self.discard()
            raise
        self.temp = None

    def discard(self) -> None:
        """Drop what was written; the target is left as it was."""
        self._close()
        if self.temp is not None:
            try:
                os.unlink(self.temp)
            except OSError:
                pass
            self.temp = None

    def _close(self) -> None:
        if self._syncing is not None:  # its file descriptor is closed below: no fdatasync may reach a reused one
            syncing, self._syncing = self._syncing, None
            syncing.join()
        if self.handle is not None:
            handle, self.handle = self.handle, None
            handle.close()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def __enter__(self) -> "AtomicFile":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()


def _sync_quietly(fd: int) -> None:
    """fdatasync, its failure left to the final fsync (which raises it)."""
    try:
        getattr(os, "fdatasync", os.fsync)(fd)  # macOS has no fdatasync
    except OSError:
        pass


def write_atomic(path: "str | os.PathLike[str]", data: bytes | str, *, mode: int | None = None,
                 durable: bool = True) -> None:
    """Write all of `data` to `path` through an AtomicFile."""
    with AtomicFile(path, mode=mode, durable=durable) as file:
        file.open("wb" if isinstance(data, bytes) else "w").write(data)


def check_outputs(outputs: Mapping[str, "str | os.PathLike[str] | None"],
                  inputs: Iterable["str | os.PathLike[str] | None"] = ()) -> None:
    """Refuse, before any work, an output that is an input, is another output, or cannot be written.

    `outputs` maps the option that names each output (`--out`) to its path (None: not asked for)."""
    sources = [os.fspath(p) for p in inputs if p is not None]
    seen: dict[str, str] = {}
    for option, path in outputs.items():
        if path is None:
            continue
        path = os.fspath(path)
        _writable(option, path)
        for source in sources:
            if _same_file(path, source):
                raise PolicykitError.single(
                    "output-is-input", "the output would overwrite an input file", Span(option),
                    hint="write the output to another file")
        real = os.path.realpath(path)
        if real in seen:
            raise PolicykitError.single("output-is-input", f"the same file as {seen[real]}", Span(option),
                                        hint="give each output its own file")
        seen[real] = option


# errors only a write gives: the disk (or the user's quota) is full, or the file is larger than `ulimit -f` allows
_WRITE_ERRNOS = {"ENOSPC", "EDQUOT", "EFBIG"}


def write_failure(exc: BaseException) -> PolicykitError | None:
    """The one-line error for an output that could not be written (a full disk): None for any other exception.

    Every output is an AtomicFile, discarded when its writer fails: nothing half-written is kept, an earlier file
    of the same name is left as it was. pyarrow's writers raise OSError with the errno in their message only."""
    import errno as errnos
    import re

    if not isinstance(exc, OSError):
        return None
    number = exc.errno
    if number is None:
        found = re.search(r"\[Errno (\d+)\]", str(exc))
        number = int(found.group(1)) if found else None
    names = {getattr(errnos, name) for name in _WRITE_ERRNOS if hasattr(errnos, name)}
    if number not in names:
        return None
    return PolicykitError.single("output-unwritable", f"an output could not be written: {os.strerror(number)}; "
                                 "the unfinished file was not kept (an earlier one of that name is as it was)",
                                 hint="make room on that disk (or raise the file size limit), or write it elsewhere")


def refuse_shared_link(path: str, option: str | None = None) -> None:
    """Refuse an output path through a symbolic link that another user made in a shared directory (sticky and
    writable by all, such as /tmp), as the kernel's `protected_symlinks` refuses to follow one.

    An output is written beside the file a link points to and renamed over it: followed, a link planted as
    /tmp/out.jsonl would have another user's run replace whatever file it names (their own, which they can
    write), and `realpath` with a rename is no path walk the kernel guards."""
    link = _shared_link(path)
    if link is not None:
        raise PolicykitError.single(
            "output-unwritable", "the path goes through a symbolic link another user made in a shared directory; "
            "not followed", Span(option) if option else None, hint="write the output to a directory of your own")


def _shared_link(path: str) -> str | None:
    """The first symbolic link on `path` that is not the user's, nor the owner's of its directory, in a directory
    that is sticky and writable by everyone (None: no such link)."""
    absolute = os.path.abspath(path)
    try:
        if os.path.realpath(absolute) == absolute:
            return None  # no link on the path: the usual case, told by one call
    except (OSError, ValueError):
        return None
    current, remaining, hops = os.sep, [p for p in absolute.split(os.sep) if p], 0
    while remaining:
        name = remaining.pop(0)
        if name == ".":
            continue
        if name == "..":
            current = os.path.dirname(current)
            continue
        candidate = os.path.join(current, name)
        try:
            info = os.lstat(candidate)
        except (OSError, ValueError):
            return None  # nothing there: no link further on either
        if not stat.S_ISLNK(info.st_mode):
            current = candidate
            continue
        hops += 1
        try:
            folder = os.stat(current)
            target = os.readlink(candidate)
        except OSError:
            return None
        shared = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
        if shared and info.st_uid not in (os.geteuid(), folder.st_uid):
            return candidate
        if hops > 40:  # a loop: opening it says so
            return None
        if os.path.isabs(target):
            current = os.sep
        remaining = [p for p in target.split(os.sep) if p] + remaining
    return None


def _writable(option: str, path: str) -> None:
    """An output that exists must be a writable file (or a device); one that does not, in a writable directory."""
    def refuse(message: str) -> PolicykitError:
        return PolicykitError.single("output-unwritable", message, Span(option))

    refuse_shared_link(path, option)

    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except (OSError, ValueError):  # a symlink loop, a name too long, a NUL byte
        raise refuse("not a valid output path") from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise refuse("is a directory; name a file")
        if not os.access(path, os.W_OK):
            raise refuse("permission denied")
        if not stat.S_ISREG(info.st_mode):
            return  # /dev/null, a terminal: written straight through
    directory = os.path.dirname(os.path.realpath(path)) or "."
    if not os.path.isdir(directory):
        raise refuse("its directory does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise refuse("its directory is not writable")


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        try:
            return os.path.realpath(a) == os.path.realpath(b)
        except (OSError, ValueError):
            return False


_UMASK: list[int] = []


def _host() -> str:
    """This host, as a temporary file's name holds it: a short digest of its name."""
    import hashlib
    import socket

    return hashlib.blake2b(socket.gethostname().encode(), digest_size=4).hexdigest()


def _writer() -> str:
    """This host and process, as a temporary file's name holds them."""
    return f"{_host()}-{os.getpid()}"


def remove_stale_parts(directory: str, name: str) -> list[str]:
    """Remove the temporary files of `name` in `directory` that a killed writer left: named by `AtomicFile` for
    this host, their process gone, regular files (not links) of this user. Others' and live writers' stay."""
    import re

    removed = []
    for entry in left_by_killed_writers(directory, rf"\.{re.escape(name)}\.{{writer}}\.[A-Za-z0-9_]+\.part"):
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid():
                os.unlink(entry.path)
                removed.append(entry.path)
        except OSError:
            pass
    return removed


def left_by_killed_writers(directory: str, pattern: str) -> list[os.DirEntry]:
    """The entries of `directory` whose name matches `pattern` (a regular expression whose `{writer}` stands for
    `_writer()`'s host and process) written by a process of this host that is gone."""
    import re

    named = re.compile(pattern.replace("{writer}", rf"{_host()}-(\d+)"))
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    return [entry for entry in entries if (found := named.fullmatch(entry.name)) is not None
            and int(found.group(1)) != os.getpid() and not _alive(int(found.group(1)))]


def _alive(pid: int) -> bool:
    """Whether a process `pid` exists (one of another user counts; in doubt, it does)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True
    return True


def _umask() -> int:
    """The process's umask, read without changing it where the OS tells it (Linux), else set and restored."""
    if not _UMASK:
        try:
            with open("/proc/self/status", encoding="ascii") as status:
                found = next(int(line.split()[1], 8) for line in status if line.startswith("Umask:"))
        except (OSError, StopIteration, ValueError, IndexError):
            found = os.umask(0o022)
            os.umask(found)
        _UMASK.append(found)
    return _UMASK[0]
