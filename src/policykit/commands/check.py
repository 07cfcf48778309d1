"""`policykit check CASE`: evaluate one case against its policy and print the verdict (exit 0/1/2)."""

from __future__ import annotations

import datetime as dt

from ..diagnostics import PolicykitError, Span

FORMATS = ("text", "json", "markdown", "html")


def register(subparsers, name: str) -> None:
    """Add the `check` command."""
    parser = subparsers.add_parser(
        name, help="check one case against its policy",
        description="Evaluate a case file (YAML or JSON) against the policy version in force at its first event. "
                    "Exit 0: no breach; 1: a breach; 2: invalid input.")
    parser.add_argument("case", metavar="CASE", help="case file (YAML or JSON)")
    parser.add_argument("--policy", metavar="ID|PATH", help="policy id or file (overrides the case's 'policy')")
    parser.add_argument("--as-of", metavar="T", help="evaluate as things stood at T (ISO 8601, date or Hijri; "
                                                     "default: now)")
    parser.add_argument("--reading", choices=("literal", "intended"),
                        help="reading of ambiguous deadlines (default: POLICYKIT_READING, policykit.toml, "
                             "else each deadline's default)")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--lang", choices=("ar", "en"), default="en")
    parser.set_defaults(run=run)


def run(args, out, err) -> int:
    """Load, evaluate, render; 1 when the case is non-compliant."""
    from ..case import load_case
    from ..config import load_settings
    from ..engine import evaluate, version_for
    from ..report import render_verdict

    settings = load_settings()
    case = load_case(args.case, args.policy, records=True)  # a warm cache: no pydantic imported
    policy = case.policy
    as_of = _as_of(args.as_of, policy.calendar.timezone)
    verdict = evaluate(policy, case, as_of, args.reading or settings.reading, at_risk=settings.at_risk)
    text = render_verdict(verdict, version_for(policy, case, as_of), args.format, args.lang, case=case)
    if args.format == "text" and args.lang == "ar":
        from ..terminal import terminal_layout

        text = terminal_layout(text, out)  # on a terminal that cannot shape Arabic itself
    out.write(text)
    return 1 if verdict.status == "non_compliant" else 0


def _as_of(text: str | None, timezone: str) -> dt.datetime:
    from ..timeparse import TimeFormatError, parse_instant, zone

    tz = zone(timezone)
    if text is None:
        return dt.datetime.now(tz).replace(microsecond=0)
    try:
        return parse_instant(text, tz)
    except TimeFormatError as exc:
        raise PolicykitError.single("invalid-date", str(exc), Span("--as-of")) from None
