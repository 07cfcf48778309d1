"""Where policykit keeps what it can recompute: POLICYKIT_CACHE_DIR, else ~/.cache/policykit ('off' disables)."""

from __future__ import annotations

import os
from pathlib import Path as FsPath


def cache_dir() -> FsPath | None:
    """The cache directory, or None when caching is off."""
    root = os.environ.get("POLICYKIT_CACHE_DIR", "")
    if root.lower() == "off":
        return None
    return FsPath(root) if root else FsPath.home() / ".cache" / "policykit"


def write_atomically(path: FsPath, data: bytes, mode: int = 0o644) -> None:
    """Write `path` so a reader never sees half of it; a cache that cannot be written only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError:
        pass
