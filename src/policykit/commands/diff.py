"""`policykit diff A B`: what B adds, removes and changes relative to A."""

from __future__ import annotations

from ..diff import diff
from ..loader import load_policy
from ..report.diffs import FORMATS, render_diff


def register(subparsers, name: str) -> None:
    """Add the `diff` command."""
    parser = subparsers.add_parser(name, help="what policy B adds, removes and changes relative to A",
                                   description="Section by section, and which response deadline is stricter.")
    parser.add_argument("a", metavar="A", help="bundled id or policy file")
    parser.add_argument("b", metavar="B", help="bundled id or policy file")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--lang", choices=("ar", "en"), default="en", help="language of item labels")
    parser.set_defaults(run=run)


def run(args, out, err) -> int:
    """Print the diff; exit 0 (2 on bad input)."""
    out.write(render_diff(diff(load_policy(args.a), load_policy(args.b)), args.format, args.lang))
    return 0
