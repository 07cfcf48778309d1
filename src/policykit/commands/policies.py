"""Commands `list`, `show` and `schema`: what policies are bundled, one policy in full, the format's schema."""

from __future__ import annotations

import argparse
from typing import TextIO

from ..loader import bundled_ids, load_policy
from ..neutralise import json_document
from ..policy_labels import WORDS
from ..policy_text import FORMATS, LANGS, render_policy
from ..schema import policy_schema_text


def register(subparsers: argparse._SubParsersAction, name: str) -> None:
    """Add the `list`, `show` or `schema` subcommand."""
    if name == "list":
        parser = subparsers.add_parser("list", help="list the bundled policies")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("--lang", choices=LANGS, default="en")
        parser.set_defaults(run=run_list)
    elif name == "show":
        parser = subparsers.add_parser("show", help="show a whole policy")
        parser.add_argument("policy", metavar="ID|PATH")
        parser.add_argument("--format", choices=FORMATS, default="text")
        parser.add_argument("--lang", choices=LANGS, default="en")
        parser.set_defaults(run=run_show)
    elif name == "schema":
        parser = subparsers.add_parser("schema", help="print the JSON Schema of the policy format")
        parser.set_defaults(run=run_schema)


def list_rows() -> list[dict]:
    """One row per bundled policy: id, association names, audience, version, effective date."""
    rows = []
    for pid in bundled_ids():
        policy = load_policy(pid)
        rows.append({"id": pid, "association": policy.association.name.model_dump(),
                     "audience": policy.audience, "version": policy.version,
                     "effective_from": policy.effective_from.isoformat() if policy.effective_from else None,
                     "rules": len(policy.rules)})
    return rows


def run_list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print the bundled policies."""
    rows = list_rows()
    if args.format == "json":
        out.write(json_document(rows))
        return 0
    width = max(len(row["id"]) for row in rows) if rows else 2
    for row in rows:
        audience = WORDS[row["audience"]][args.lang]
        out.write(f"{row['id']:<{width}}  v{row['version']:<3} {audience:<25} {row['association'][args.lang]}\n")
    return 0


def run_show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print one policy in full."""
    text = render_policy(load_policy(args.policy), args.format, args.lang)
    if args.format == "text" and args.lang == "ar":
        from ..terminal import terminal_layout

        text = terminal_layout(text, out)  # on a terminal that cannot shape Arabic itself
    out.write(text)
    return 0


def run_schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print the JSON Schema of the policy format."""
    out.write(policy_schema_text())
    return 0
