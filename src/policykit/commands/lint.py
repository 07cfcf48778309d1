"""`policykit lint [ID|PATH...]`: drafting defects and encoding gaps, each with a code, severity and location."""

from __future__ import annotations

from ..lint import has_errors, lint_policies
from ..neutralise import json_document


def register(subparsers, name: str) -> None:
    """Add the `lint` command."""
    parser = subparsers.add_parser(name, help="report defects of policies (default: all bundled)",
                                   description="Exit 1 when any finding is an error, 0 otherwise, 2 on bad input.")
    parser.add_argument("policies", nargs="*", metavar="ID|PATH", help="policies to lint (default: all bundled)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--lang", choices=("ar", "en"), default="en", help="language of the summary line")
    parser.set_defaults(run=run)


def run(args, out, err) -> int:
    """Print the findings; 1 when any is an error."""
    findings = lint_policies(args.policies)
    if args.format == "json":
        out.write(json_document([f.to_json() for f in findings]))
    else:
        for finding in findings:
            out.write(finding.render() + "\n")
        counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
        if getattr(args, "lang", "en") == "ar":
            from ..terminal import terminal_text

            from ..counting import arabic_digits, count

            # each count with its noun as Arabic counts it (٦ أخطاء، ٧٨ تحذيراً), not «6 خطأ»
            line = (f"{count(len(findings), 'findings', 'ar')}: {count(counts['error'], 'errors', 'ar')}، "
                    f"{count(counts['warning'], 'warnings', 'ar')}، {arabic_digits(counts['info'])} للعلم")
            out.write(terminal_text(line + "\n", out))
        else:
            out.write(f"{len(findings)} findings: {counts['error']} errors, {counts['warning']} warnings, "
                      f"{counts['info']} info\n")
    return 1 if has_errors(findings) else 0
