"""Batch audits of whole event logs: readers, grouping, the columnar fast path, outputs and the summary."""

from __future__ import annotations

from .runner import run_batch
from .table import judge_table

__all__ = ["judge_table", "run_batch"]
