"""How a CSV export is written: its delimiter (sniffed among `,` `;` tab `|`) and its text encoding (SPEC §12)."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import PolicykitError, Span

DELIMITERS = (",", ";", "\t", "|")  # in this order when two fit equally well (Excel writes `;` in Arabic locales)
SAMPLE_BYTES = 1 << 16
# a codec of one byte order reads its own byte-order mark as U+FEFF; the codec that reads and drops it
_WITH_BOM = {"utf-16-le": "utf-16", "utf-16-be": "utf-16", "utf-32-le": "utf-32", "utf-32-be": "utf-32"}
NOT_UTF8_HINT = "save it from Excel as 'CSV UTF-8 (Comma delimited)', or pass --encoding cp1256 (Arabic Windows)"


@dataclass(frozen=True)
class CsvDialect:
    """The delimiter and the codec of one CSV file (`utf-8` reads a UTF-8 BOM too)."""

    delimiter: str = ","
    encoding: str = "utf-8"


def codec(name: str) -> str:
    """The canonical Python codec name of `--encoding`; a usage error when Python knows no such codec."""
    hint = "e.g. --encoding cp1256 (Arabic Windows), utf-16, iso-8859-6"
    try:
        found = codecs.lookup(name)
    except LookupError:
        raise PolicykitError.single("usage", f"--encoding: unknown text encoding '{name}'", hint=hint) from None
    # rot13, base64, zlib…: codecs Python knows that turn bytes into bytes (or text into text), not into text
    if not getattr(found, "_is_text_encoding", True):
        raise PolicykitError.single("usage", f"--encoding: '{name}' is not a text encoding", hint=hint)
    return found.name


def detect(path: Path, encoding: str | None = None) -> CsvDialect:
    """The dialect of the CSV file at `path`: its encoding (declared, a BOM's, or UTF-8) and its delimiter."""
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    name = codec(encoding) if encoding else _encoding_of(sample, path)
    try:
        text = codecs.getincrementaldecoder(name)(errors="replace").decode(sample, final=False)
    except UnicodeError:  # utf-16 / utf-32 without a byte-order mark: the byte order is not known, never guessed
        raise PolicykitError.single("usage", f"--encoding {encoding}: the file does not start with a byte-order "
                                    "mark, so the byte order is not known", Span(str(path), 1, 1),
                                    hint=f"name it: --encoding {name}-le (Windows) or {name}-be") from None
    if name != "utf-8" and text.startswith("\ufeff"):  # the declared codec's own BOM: not part of the header
        name = _WITH_BOM.get(name, name)
    return CsvDialect(sniff_delimiter(text.lstrip("\ufeff")), name)


def _encoding_of(sample: bytes, path: Path) -> str:
    """UTF-16 when a UTF-16 BOM says so (Excel's 'Unicode Text'), else UTF-8, refused when the file is not.

    A file is refused as a whole when its header is not UTF-8, when its sample has two or more lines that are
    not and fewer that are (a Windows code page writes every Arabic letter so), or when no row of it reads and
    no line shows UTF-8 text (a one-row export under a plain-ASCII header: nothing would be judged, and the hint
    is what its user needs); one damaged row among rows that read, or under an Arabic UTF-8 header, is only that
    row's rejection."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = sample[:4096]
    if head and head.count(b"\0") * 8 >= len(head):  # valid UTF-8 bytes, but no text has so many NULs
        raise PolicykitError.single("not-utf8", "the file is not UTF-8 text: it holds NUL bytes as UTF-16 text "
                                    "without its byte-order mark does", Span(str(path), 1, head.index(b"\0") + 1),
                                    hint="pass --encoding utf-16-le (Windows) or utf-16-be")
    lines = sample.split(b"\n")
    if len(sample) == SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the sample's last line may be cut inside a character
    bad, good, read, first_bad = 0, 0, 0, None
    for number, line in enumerate(lines, start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad += 1
            first_bad = first_bad or (number, exc.start + 1)
            continue
        good += not line.isascii()
        read += number > 1 and bool(line.strip())  # a data row that reads (blank lines are no rows)
    if first_bad and (first_bad[0] == 1 or (bad >= 2 and bad > good) or not (read or good)):
        raise PolicykitError.single("not-utf8", "the file is not UTF-8 text (Excel's plain 'CSV' is saved in the "
                                    "Windows code page)", Span(str(path), *first_bad), hint=NOT_UTF8_HINT)
    return "utf-8"


def sniff_delimiter(text: str) -> str:
    """The candidate that splits the header into the most columns and the sample's lines into as many."""
    lines = text.splitlines()[:50]
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of a sample is usually cut short
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(len(r) == width for r in rows[1:]), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best
