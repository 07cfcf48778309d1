"""Drafting from a file: read the source, learn from the known policies, write YAML that loads and validates."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from ..diagnostics import PolicykitError, Span
from ..loader import bundled_ids, load_policy
from ..source import read_text
from ..template.corpus import bundled_outlines
from ..template.outline import MAX_SOURCE_LINES, outline_text
from .build import draft_policy
from .known import KnownPolicy, known_policy

ID = re.compile(r"^[a-z][a-z0-9_]*$")
HEADER = ("# Draft policy written by `policykit draft` from {source}.\n"
          "# Every recognised clause cites its line; what is marked «needs review» (labels, ids, carried-over\n"
          "# rules, not_encoded) must be read against the document before the policy is used.\n")


def known_policies(learn_from: list[str] | None = None) -> list[KnownPolicy]:
    """The bundled policies (or those named) as drafts learn from them."""
    outlines = bundled_outlines()
    ids = learn_from if learn_from is not None else bundled_ids()
    return [known_policy(load_policy(pid), outlines[pid]) for pid in ids if pid in outlines]


def draft_text(source: str | os.PathLike, policy_id: str, out: str | os.PathLike | None = None,
               learn_from: list[str] | None = None) -> str:
    """The YAML of the draft policy of `source` (its `source_file` relative to where `out` will be)."""
    if not ID.match(policy_id) or len(policy_id) > 64:
        raise PolicykitError.single("invalid-id", f"policy id {policy_id!r} must be lower-case letters, digits "
                                    "and '_', starting with a letter (64 at most)", Span(str(source)))
    text = read_text(source)
    if text.count("\n") > MAX_SOURCE_LINES:
        raise PolicykitError.single("source-too-long", f"the source has more than {MAX_SOURCE_LINES} lines; a "
                                    "policy document has a few hundred", Span(str(source)))
    if not re.search(r"[\u0621-\u064A]", text):
        raise PolicykitError.single("not-arabic", "the source has no Arabic text to draft from", Span(str(source)))
    data = draft_policy(text, policy_id, _source_file(Path(source), out), known_policies(learn_from),
                        outline_text(text, policy_id))
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=None)
    return HEADER.format(source=Path(source).name) + body


def draft_file(source: str | os.PathLike, policy_id: str, out: str | os.PathLike,
               learn_from: list[str] | None = None) -> Path:
    """Write the draft to `out` and prove it loads (validates) there."""
    target = Path(out)
    target.write_text(draft_text(source, policy_id, target, learn_from), encoding="utf-8")
    load_policy(target)
    return target


def _source_file(source: Path, out: str | os.PathLike | None) -> str:
    """The source as the draft names it: relative to the working directory when below it (a checkout's
    `docs/sources/<id>.ar.txt`), else to the draft's folder, else absolute."""
    resolved = source.resolve()
    for base in (Path.cwd(), Path(out).resolve().parent if out is not None else None):
        if base is not None:
            try:
                return resolved.relative_to(base.resolve()).as_posix()
            except ValueError:
                continue
    return resolved.as_posix()
