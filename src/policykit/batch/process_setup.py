"""Process-wide settings of a batch run's processes: how the heap is kept, and pyarrow's one look for pandas."""

from __future__ import annotations

import sys


def steady_allocation() -> None:
    """Keep numpy's large temporaries in the heap (glibc otherwise maps and unmaps each one, and every page of
    every temporary faults in afresh: a third of the rule queries' time); `give_back_memory` still trims."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 26)  # M_MMAP_THRESHOLD: 64 MiB
        libc.mallopt(-1, 1 << 27)  # M_TRIM_THRESHOLD: 128 MiB
    except (OSError, AttributeError):
        pass


def give_back_memory() -> None:
    """Return freed memory to the system between row groups, so peak memory stays near the working set."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def arrow_without_pandas() -> None:
    """Keep pyarrow from importing pandas in this process (half a second of start-up per process, for nothing a
    batch uses: pyarrow looks for it on its first conversions).

    Only for processes that are a batch run and nothing else (the CLI command, the pool's workers): pandas cannot
    be imported there afterwards.  A process that has imported pandas already is left as it is."""
    if "pandas" not in sys.modules and _NoPandas not in sys.meta_path:
        sys.meta_path.insert(0, _NoPandas)


class _NoPandas:
    """An import finder that refuses pandas."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("pandas is not used by a batch run")
        return None


def batch_process() -> None:
    """Settings for a process that is a batch run and nothing else (the CLI command, the pool's workers): pyarrow
    without pandas, and Arrow's buffers from the C heap that `steady_allocation` keeps (its bundled mimalloc
    gave pages back and faulted them in again: measured 3-10 % more CPU and 8-20 % more peak memory, JSONL most).
    Not for a program that calls `run_batch` itself: its own Arrow allocations are left as they are."""
    arrow_without_pandas()
    try:
        import pyarrow as pa
    except ImportError:  # the batch extra is missing: the command says so in its own words
        return
    pa.set_memory_pool(pa.system_memory_pool())


def worker_init(spool_dir: str | None = None) -> None:
    """A batch worker's settings, made once when the pool starts it; its payloads spooled into `spool_dir`."""
    batch_process()
    steady_allocation()
    from . import output

    output.SPOOL_DIR = spool_dir
