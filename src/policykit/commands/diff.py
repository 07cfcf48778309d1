"""`policykit diff A B`: what B adds, removes and changes relative to A."""

from __future__ import annotations

from ..diagnostics import PolicykitError
from ..diff import diff
from ..loader import load_policy
from ..model import Policy
from ..report.diffs import FORMATS, render_diff


def register(subparsers, name: str) -> None:
    """Add the `diff` command."""
    parser = subparsers.add_parser(name, help="what policy B adds, removes and changes relative to A",
                                   description="Section by section, and which response deadline is stricter. "
                                               "ID@VERSION picks one version of a versioned policy.")
    parser.add_argument("a", metavar="A", help="bundled id or policy file, optionally @VERSION")
    parser.add_argument("b", metavar="B", help="bundled id or policy file, optionally @VERSION")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--lang", choices=("ar", "en"), default="en", help="language of item labels")
    parser.set_defaults(run=run)


def load_version(ref: str) -> Policy:
    """`ID`, `PATH`, `ID@VERSION` or `PATH@VERSION` to the policy (version) it names."""
    base, _, version = ref.rpartition("@") if "@" in ref else (ref, "", "")
    policy = load_policy(base)
    found = version_in(policy, version)
    if found is None:
        raise PolicykitError.single("unknown-policy", f"policy '{base}' has no version '{version}'",
                                    hint=f"versions: {versions_of(policy)}")
    return found


def version_in(policy: Policy, version: str) -> Policy | None:
    """The version `version` of a loaded policy (the policy itself when `version` is empty); None when it has none."""
    if not version:
        return policy
    return next((candidate for candidate in policy.versions if candidate.version == version), None)


def versions_of(policy: Policy) -> str:
    """The policy's versions, as a hint lists them."""
    return ", ".join(v.version for v in policy.versions)


def run(args, out, err) -> int:
    """Print the diff; exit 0 (2 on bad input)."""
    out.write(render_diff(diff(load_version(args.a), load_version(args.b)), args.format, args.lang))
    return 0
