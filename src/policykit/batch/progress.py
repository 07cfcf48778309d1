"""A rich progress bar on a terminal; nothing when output is piped or redirected."""

from __future__ import annotations

from typing import TextIO


class NoProgress:
    """Progress that shows nothing."""

    def start(self, label: str, total: float | None) -> None:
        """Begin a phase."""

    def advance(self, amount: float) -> None:
        """Record progress."""

    def stop(self) -> None:
        """End the display."""


class RichProgress(NoProgress):
    """A rich.progress bar per phase (reading, evaluating)."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=Console(file=stream), transient=False)
        self.progress.start()
        self.task = None

    def start(self, label: str, total: float | None) -> None:
        """Begin a phase with its own bar."""
        self.task = self.progress.add_task(label, total=total)

    def advance(self, amount: float) -> None:
        """Move the current bar."""
        if self.task is not None:
            self.progress.advance(self.task, amount)

    def stop(self) -> None:
        """Leave the bars on screen."""
        self.progress.stop()


def progress_for(stream: TextIO, enabled: bool | None = None) -> NoProgress:
    """A bar on `stream` when it is a terminal (or when forced), else nothing."""
    show = stream.isatty() if enabled is None else enabled
    return RichProgress(stream) if show else NoProgress()
