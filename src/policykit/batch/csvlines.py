"""Physical line numbers for a CSV log read by Arrow, and lines Arrow cannot take turned into rejected rows.

Arrow numbers rows, not lines: after a quoted field holding a line break every later row would be reported one
line too early.  One line longer than Arrow's block fails the whole read ("straddling object"), even in a column
the batch ignores; and a row that is not UTF-8 and has the wrong number of columns fails it too (pyarrow cannot
hand such a row to the invalid-row handler).  `LineCap` empties those lines before Arrow sees them (each row is
then rejected alone, with its reason); `LineNumbers` turns Arrow's row numbers into the file's line numbers by
counting the breaks inside values.
"""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MAX_LINE_BYTES = 1 << 21  # half of the reader's block: any shorter line fits however the blocks fall
TOO_LONG = f"line longer than {MAX_LINE_BYTES >> 20} MiB (no event has a field this long)"
NOT_UTF8 = "row is not valid UTF-8"
# What an emptied line becomes: one field, so Arrow skips it as a short row (rejected with its own reason), and
# never nothing, since a CR before the emptied line and its LF would then read as one CRLF break.
PLACEHOLDER = b" "


def _first_break(data: bytes) -> int:
    positions = [p for p in (data.find(b"\n"), data.find(b"\r")) if p >= 0]
    return min(positions) if positions else -1


def _last_break(data: bytes) -> int:
    return max(data.rfind(b"\n"), data.rfind(b"\r"))


class LineCap(io.RawIOBase):
    """A binary stream passing a file through with each line longer than `limit` bytes, or not UTF-8, emptied.

    An emptied line becomes `PLACEHOLDER` and keeps its line break, so line numbers do not move; `emptied` maps
    its number to the reason.
    """

    def __init__(self, raw, limit: int = MAX_LINE_BYTES) -> None:
        super().__init__()
        self.raw, self.limit = raw, limit
        self.held = b""  # the start of the current line, not passed on until its length is known to be fine
        self.dropping = False
        self.ready = bytearray()
        self.newlines = 0  # line breaks passed on so far: the number of the line being read, less one
        self.after_cr = False  # the last byte passed on was CR: an LF first in the next data ends no new line
        self.emptied: dict[int, str] = {}  # 1-based physical line number -> why it was emptied
        self.eof = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self.eof and (size is None or size < 0 or len(self.ready) < size):
            self._fill()
        size = len(self.ready) if size is None or size < 0 else size
        chunk = bytes(self.ready[:size])
        del self.ready[:size]
        return chunk

    def readinto(self, buffer) -> int:
        chunk = self.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)

    def _pass(self, data: bytes) -> None:
        """Pass on whole lines (or the file's last one), emptying each line that is not UTF-8."""
        while True:
            try:
                data.decode("utf-8")
                break
            except UnicodeDecodeError as exc:  # a line break is never inside a UTF-8 sequence: lines split cleanly
                start = max(data.rfind(b"\n", 0, exc.start), data.rfind(b"\r", 0, exc.start)) + 1
                end = _first_break(data[exc.start:])
                end = len(data) if end < 0 else exc.start + end
                self._count(data[:start])
                self.emptied[self.newlines + 1] = NOT_UTF8
                self._count(PLACEHOLDER)
                data = data[end:]
        self._count(data)

    def _count(self, data: bytes) -> None:
        """Pass `data` on, counting its line breaks as Arrow does (CRLF, LF or a lone CR)."""
        if not data:
            return
        self.ready += data
        self.newlines += text_breaks(data) - (self.after_cr and data[:1] == b"\n")
        self.after_cr = data[-1:] == b"\r"

    def _drop(self) -> None:
        self.emptied[self.newlines + 1] = TOO_LONG
        self._count(PLACEHOLDER)
        self.held = b""

    def _fill(self) -> None:
        piece = self.raw.read(self.limit)  # at most `limit`: only a line continuing across pieces can be too long
        if not piece:
            self.eof = True
            if not self.dropping:
                self._pass(self.held)
            self.held = b""
            return
        first = _first_break(piece)
        if self.dropping:
            if first < 0:
                return
            self.dropping = False
            piece, first = piece[first:], 0
        elif first >= 0 and len(self.held) + first > self.limit:
            self._drop()
            piece, first = piece[first:], 0
        data = self.held + piece
        last = _last_break(data)
        if last >= 0:
            self._pass(data[: last + 1])
            data = data[last + 1:]
        self.held = data
        if len(self.held) > self.limit:
            self._drop()
            self.dropping = True


def breaks_in_values(batch: pa.RecordBatch) -> np.ndarray:
    """How many line breaks (CRLF, LF or a lone CR) each row's values hold, over every column of Arrow's batch
    (the first too: a case id may hold one)."""
    extra = np.zeros(batch.num_rows, dtype=np.int64)
    for column in batch.columns:
        if not (pa.types.is_binary(column.type) or pa.types.is_string(column.type)) or not _may_break(column):
            continue
        extra += pc.fill_null(pc.count_substring(column, "\n"), 0).to_numpy(zero_copy_only=False)
        returns = pc.fill_null(pc.count_substring(column, "\r"), 0).to_numpy(zero_copy_only=False)
        if returns.any():  # a lone CR breaks a line too; CRLF was counted once, by its LF
            extra += returns - pc.fill_null(pc.count_substring(column, "\r\n"), 0).to_numpy(zero_copy_only=False)
    return extra


def _may_break(column: pa.Array) -> bool:
    """Whether any value holds a byte at or below CR (a quick scan of the data buffer; counting is slower)."""
    _, offsets, data = column.buffers()[:3]
    if data is None or len(column) == 0:
        return False
    low, high = np.frombuffer(offsets, dtype=np.int32)[[column.offset, column.offset + len(column)]]
    return high > low and int(np.frombuffer(data, dtype=np.uint8)[low:high].min()) <= 13  # a reduction, no copy


def text_breaks(text: str | bytes | None) -> int:
    """Line breaks (CRLF, LF or a lone CR) in text, or in bytes on their way to Arrow."""
    if not text:
        return 0
    if isinstance(text, bytes):
        return text.count(b"\n") + text.count(b"\r") - text.count(b"\r\n")
    return text.count("\n") + text.count("\r") - text.count("\r\n")


class LineNumbers:
    """Arrow row numbers (header = 1) to physical line numbers, batch after batch, in file order."""

    def __init__(self) -> None:
        self.extra = 0  # breaks inside values of every row already numbered

    def number(self, rows: np.ndarray, breaks: np.ndarray,
               skipped: list[tuple[int, int]]) -> tuple[np.ndarray, dict[int, int]]:
        """Physical lines of a batch's `rows` (with `breaks` each) and of the `skipped` (row, breaks) after them."""
        all_rows = np.concatenate([rows, np.array([r for r, _ in skipped], dtype=np.int64)])
        all_breaks = np.concatenate([breaks, np.array([b for _, b in skipped], dtype=np.int64)])
        order = np.argsort(all_rows, kind="stable")
        before = np.empty(len(order), dtype=np.int64)
        sorted_breaks = all_breaks[order]
        before[order] = self.extra + np.cumsum(sorted_breaks) - sorted_breaks  # breaks in earlier rows
        lines = all_rows + before
        self.extra += int(all_breaks.sum())
        return lines[: len(rows)], {row: int(line) for (row, _), line in zip(skipped, lines[len(rows):])}
