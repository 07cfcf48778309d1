"""`policykit draft SOURCE.txt --id ID [--out FILE.yaml]`: a first policy file for a document not bundled."""

from __future__ import annotations

import argparse
from typing import TextIO

from ..draft import draft_file, draft_text


def register(subparsers: argparse._SubParsersAction, name: str) -> None:
    """Add the `draft` subcommand."""
    parser = subparsers.add_parser(
        name, help="draft a policy file from a new source document, aligned with the bundled ones",
        description="Every recognised clause gets its ref, verbatim text_ar, section_ar and line; channels, tools "
                    "and steps get the canonical ids; the response deadline its own period, unit and bound; "
                    "known rules are carried over; everything else goes under not_encoded («needs review»).")
    parser.add_argument("source", metavar="SOURCE.txt", help="the association's document (UTF-8 text)")
    parser.add_argument("--id", required=True, dest="policy_id", help="the new policy's id (lower-case, '_')")
    parser.add_argument("--out", metavar="FILE.yaml", help="write the draft there (default: standard output)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Write the draft; 0 when written (it loads and validates), 2 on bad input."""
    if args.out:
        path = draft_file(args.source, args.policy_id, args.out)
        err.write(f"wrote {path}: check it with `policykit coverage {path}` and `policykit lint {path}`\n")
    else:
        out.write(draft_text(args.source, args.policy_id))
    return 0
