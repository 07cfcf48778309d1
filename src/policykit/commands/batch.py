"""`policykit batch LOG --policy ID`: judge every case of an event log (CSV, JSONL, Parquet, XES)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path


def register(subparsers, name: str) -> None:
    """Add the `batch` command."""
    parser = subparsers.add_parser(name, help="judge every case of an event log",
                                   description="Judge every case of an event log (one row per event).")
    parser.add_argument("log", help="event log: .csv, .jsonl, .parquet or .xes")
    parser.add_argument("--policy", required=True, help="bundled policy id or policy file")
    parser.add_argument("--as-of", help="instant of judgement (default: now)")
    parser.add_argument("--reading", choices=("intended", "literal"))
    parser.add_argument("--out", help="verdicts: FILE.jsonl, FILE.parquet or FILE.csv (default: JSONL on stdout)")
    parser.add_argument("--rejects", help="where rejected rows go (default: OUT.rejects.csv beside the output)")
    parser.add_argument("--log-format", choices=("csv", "jsonl", "parquet", "xes"))
    parser.add_argument("--workers", type=int, help="processes (default: every core)")
    parser.add_argument("--no-fast-path", action="store_true", help="judge every case with evaluate() itself")
    parser.add_argument("--summary-json", help="also write the summary as JSON to this file")
    parser.set_defaults(run=run)


def run(args, out, err) -> int:
    """Exit 2 when rows were rejected, else 1 when any case is breached, else 0."""
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
    from ..batch.runner import run_batch
    from ..loader import policy_file

    # every output checked before the log is read: a bad --summary-json must not cost a whole run
    rejects = args.rejects or default_rejects(Path(args.log), args.out)
    check_outputs({"--out": args.out, "--rejects": rejects, "--summary-json": args.summary_json},
                  inputs=(args.log, policy_file(args.policy)))
    as_of = args.as_of or dt.datetime.now(dt.timezone.utc)
    summary = run_batch(args.log, args.policy, as_of, reading=args.reading, out=args.out, stdout=out,
                        rejects_path=args.rejects, workers=args.workers, log_format=args.log_format,
                        fast=not args.no_fast_path, progress=progress_for(err))
    err.write(summary.render())
    if args.summary_json:
        write_atomic(args.summary_json, json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    if summary.rejected:
        return 2
    return 1 if summary.stats.by_status.get("non_compliant") else 0
