"""`policykit report VERDICTS --out audit.html`: the audit report (SPEC §13) of verdicts written by `batch`."""

from __future__ import annotations

from ..diagnostics import PolicykitError, Span


def register(subparsers, name: str) -> None:
    """Add the `report` command."""
    parser = subparsers.add_parser(name, help="audit report of a batch's verdicts",
                                   description="Write the audit report (one HTML page with charts) of the "
                                               "verdicts a batch wrote (.parquet or .jsonl).")
    parser.add_argument("verdicts", metavar="VERDICTS", help="verdicts file of `policykit batch`: .parquet or .jsonl")
    parser.add_argument("--out", required=True, metavar="FILE.html", help="where the report goes")
    parser.add_argument("--lang", choices=("ar", "en"), default="ar", help="language (Arabic: right to left)")
    parser.set_defaults(run=run)


def run(args, out, err) -> int:
    """Read the verdicts, write the page; 0 when written."""
    import os
    from pathlib import Path

    from ..atomic import check_outputs
    from ..report.audit import collect_file, write_report
    from ..source import open_regular

    source = Path(args.verdicts)
    if not os.path.lexists(source):
        raise PolicykitError.single("file-not-found", "no such verdicts file", Span(str(source)))
    os.close(open_regular(str(source)))  # a FIFO, device or directory is refused by what it is, never waited on
    if not str(source).lower().endswith((".parquet", ".jsonl", ".ndjson")):
        raise PolicykitError.single("usage", "the verdicts file must be the .parquet or .jsonl of `policykit batch`",
                                    Span(str(source)))
    # the same checks as batch's outputs, before any reading: the verdicts by path, symlink or hard link, a
    # directory, a missing or unwritable directory
    check_outputs({"--out": args.out}, inputs=(source,))
    try:
        data = collect_file(str(source))
    except (KeyError, TypeError, ValueError) as exc:
        raise PolicykitError.single("invalid-verdicts", f"not a verdicts file of `policykit batch` "
                                    f"({type(exc).__name__})", Span(str(source))) from None
    except OSError as exc:
        raise PolicykitError.single("invalid-verdicts", f"unreadable verdicts file ({type(exc).__name__})",
                                    Span(str(source))) from None
    write_report(args.out, data, args.lang, source=source.name)
    from ..batch.summary_words import PHRASES
    from ..terminal import terminal_text

    err.write(terminal_text(PHRASES[args.lang]["report_of"].format(cases=data.cases, report=args.out), err) + "\n")
    return 0
