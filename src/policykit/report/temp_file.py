"""Output files written under a temporary name beside the target and renamed into place when complete (SPEC §15).

Kept small so that the project's atomic-writing helper can replace it at merge."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def temp_beside(target: str | os.PathLike) -> str:
    """A new empty file beside `target`, with the mode a plain `open()` would give it."""
    target = Path(target)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)  # mkstemp's 0600 would outlive the rename
    return name


def write_text(target: str | os.PathLike, text: str) -> None:
    """Write `text` (UTF-8) to `target` through a temporary file; nothing is left behind on failure."""
    temp = temp_beside(target)
    try:
        with open(temp, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
