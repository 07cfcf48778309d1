"""`policykit batch LOG --policy ID`: judge every case of an event log (CSV, JSONL, Parquet, XES, XLSX)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path


def register(subparsers, name: str) -> None:
    """Add the `batch` command."""
    parser = subparsers.add_parser(name, help="judge every case of an event log",
                                   description="Judge every case of an event log (one row per event).")
    parser.add_argument("log", help="event log: .csv, .jsonl, .parquet, .xes or .xlsx")
    parser.add_argument("--policy", required=True, help="bundled policy id or policy file")
    parser.add_argument("--as-of", help="instant of judgement (default: now)")
    parser.add_argument("--reading", choices=("intended", "literal"))
    parser.add_argument("--out", help="verdicts: FILE.jsonl, FILE.parquet, FILE.csv or FILE.xlsx (labelled, for "
                                      "officers) (default: JSONL on stdout)")
    parser.add_argument("--excel", action="store_true",
                        help="with --out FILE.csv: the officer's CSV (UTF-8 BOM, labelled columns, dates Excel reads)")
    parser.add_argument("--lang", choices=("ar", "en"), default="en",
                        help="language of the .xlsx/--excel labels, the report and the summary")
    parser.add_argument("--rejects", help="where rejected rows go (default: OUT.rejects.csv beside the output)")
    parser.add_argument("--log-format", choices=("csv", "jsonl", "parquet", "xes", "xlsx"))
    parser.add_argument("--encoding", help="a CSV file's text encoding when it is not UTF-8 (e.g. cp1256)")
    parser.add_argument("--sheet", help="the sheet of an .xlsx log (default: the first)")
    parser.add_argument("--column", action="append", default=[], metavar="NAME=HEADER",
                        help='read the export\'s column HEADER as NAME, e.g. --column case_id="رقم الطلب" '
                             "(repeatable)")
    parser.add_argument("--columns", metavar="MAP.yaml", help="a YAML mapping of column names to headers")
    parser.add_argument("--date-format", help="the form of dates that are not ISO 8601 or Hijri, in strptime "
                                              "directives (e.g. '%%d/%%m/%%Y %%H:%%M')")
    parser.add_argument("--workers", type=int, help="processes (default: every core)")
    parser.add_argument("--no-fast-path", action="store_true", help="judge every case with evaluate() itself")
    parser.add_argument("--summary-json", help="also write the summary as JSON to this file")
    parser.add_argument("--report", metavar="FILE.html", help="also write the audit report (charts, incomplete and "
                                                              "most overdue cases) in --lang")
    parser.set_defaults(run=run)


def run(args, out, err) -> int:
    """SPEC §10: exit 1 when any case is breached, else 2 when any row was rejected, else 0."""
    try:
        import numpy  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        from ..diagnostics import PolicykitError

        raise PolicykitError.single("missing-dependency", "batch audits need pyarrow and numpy",
                                    hint="pip install 'policykit[batch]'") from None
    from ..atomic import check_outputs, write_atomic
    from ..batch.output import default_rejects
    from ..batch.progress import progress_for
    from ..terminal import terminal_text
    from ..batch.runner import run_batch
    from ..loader import policy_file

    options = log_options(args)
    if args.excel and not str(args.out or "").lower().endswith(".csv"):
        from ..diagnostics import PolicykitError

        raise PolicykitError.single("usage", "--excel shapes a CSV for Excel: it needs --out FILE.csv",
                                    hint="for a workbook, --out FILE.xlsx")
    # every output checked before the log is read: a bad --summary-json must not cost a whole run
    rejects = args.rejects or default_rejects(Path(args.log), args.out)
    check_outputs({"--out": args.out, "--rejects": rejects, "--summary-json": args.summary_json,
                   "--report": args.report},
                  inputs=(args.log, policy_file(args.policy), args.columns, _config_file()))
    as_of = args.as_of or dt.datetime.now(dt.timezone.utc)
    summary = run_batch(args.log, args.policy, as_of, reading=args.reading, out=args.out, stdout=out,
                        rejects_path=args.rejects, workers=args.workers, log_format=args.log_format,
                        fast=not args.no_fast_path, progress=progress_for(err), options=options,
                        lang=args.lang, excel=args.excel, report=args.report)
    # in Arabic the rules go by their Arabic labels, as in the workbook and the report (ids read as noise there)
    rule_label = None
    if args.lang == "ar":
        from ..loader import load_policy
        from ..report.officer import OfficerTables

        rule_label = OfficerTables(load_policy(args.policy), "ar").rule_label
    err.write(terminal_text(summary.render(args.lang, rule_label), err))
    if args.summary_json:
        write_atomic(args.summary_json, json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    if summary.stats.by_status.get("non_compliant"):
        return 1
    return 2 if summary.rejected else 0


def _config_file():
    """The settings file this run reads, when there is one: an input no output may overwrite."""
    import os

    from ..config import config_path

    path = config_path()
    return path if os.path.lexists(path) else None


def log_options(args):
    """The reading options of the command line (`--encoding`, `--sheet`, `--column(s)`, `--date-format`)."""
    from ..batch.column_map import build
    from ..batch.csv_dialect import codec
    from ..batch.log_options import LogOptions

    columns = build(args.column, args.columns) if (args.column or args.columns) else None
    return LogOptions(encoding=codec(args.encoding) if args.encoding else None, sheet=args.sheet,
                      date_format=args.date_format, **({"columns": columns} if columns else {}))
