"""A rich progress bar on a terminal; nothing when output is piped or redirected."""

from __future__ import annotations

from typing import TextIO


class NoProgress:
    """Progress that shows nothing."""

    def start(self, label: str, total: float | None, unit: str = "rows", exact: bool = True) -> None:
        """Begin a phase counting `unit`s; `exact` False when `total` is an estimate."""

    def advance(self, amount: float) -> None:
        """Record progress."""

    def stop(self) -> None:
        """End the display."""


class RichProgress(NoProgress):
    """A rich.progress bar per phase (reading, partitioning, judging), counting rows or partitions.

    An estimated total is shown as `~N`; when the count passes it the bar stops claiming a total (it never
    shows 120 %), and a finished phase shows the exact count as its total."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 TextColumn("{task.completed:,.0f} / {task.fields[shown_total]} {task.fields[unit]}"),
                                 TimeElapsedColumn(), console=Console(file=stream), transient=False)
        self.progress.start()
        self.task = None

    def start(self, label: str, total: float | None, unit: str = "rows", exact: bool = True) -> None:
        """Begin a phase with its own bar (the previous one is finished at its true count)."""
        self._finish()
        shown = "?" if total is None else f"{total:,.0f}" if exact else f"~{total:,.0f}"
        self.task = self.progress.add_task(label, total=total, unit=unit, shown_total=shown)

    def advance(self, amount: float) -> None:
        """Move the current bar; an estimate that proves too low gives way to an open-ended count."""
        if self.task is None:
            return
        task = self.progress.tasks[-1]
        if task.total is not None and task.completed + amount > task.total:
            task.total = None  # open-ended (update() reads total=None as "unchanged")
            self.progress.update(self.task, shown_total="?")
        self.progress.advance(self.task, amount)

    def _finish(self) -> None:
        if self.task is not None:
            done = self.progress.tasks[-1].completed
            self.progress.update(self.task, total=done, shown_total=f"{done:,.0f}")
            self.task = None

    def stop(self) -> None:
        """Leave the bars on screen, each at its true count."""
        self._finish()
        self.progress.stop()


def progress_for(stream: TextIO, enabled: bool | None = None) -> NoProgress:
    """A bar on `stream` when it is a terminal (or when forced), else nothing."""
    show = stream.isatty() if enabled is None else enabled
    return RichProgress(stream) if show else NoProgress()
