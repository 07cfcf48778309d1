"""`policykit compare [ID...]`: the side-by-side matrix of the policies."""

from __future__ import annotations

from ..compare import compare
from ..loader import bundled_ids, load_policy
from ..report.matrix import FORMATS, render_matrix


def register(subparsers, name: str) -> None:
    """Add the `compare` command."""
    parser = subparsers.add_parser(name, help="compare policies side by side (default: all bundled)",
                                   description="One matrix, a row per item, a column per policy.")
    parser.add_argument("policies", nargs="*", metavar="ID|PATH", help="policies to compare (default: all bundled)")
    parser.add_argument("--format", choices=FORMATS, default="markdown")
    parser.add_argument("--lang", choices=("ar", "en"), default="en", help="language of labels (markdown, html)")
    parser.set_defaults(run=run)


def run(args, out, err) -> int:
    """Print the matrix; exit 0 (2 on bad input, raised as PolicykitError)."""
    ids = args.policies or bundled_ids()
    policies = [load_policy(ref) for ref in ids]
    from ..report.board import column_names

    out.write(render_matrix(compare(policies), args.format, args.lang, column_names(policies, args.lang)))
    return 0
