"""A verdict's JSONL line is one text whichever encoder writes it: orjson (when installed) and the standard
library's, both equal to the compact json.dumps of to_json_dict()."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policykit import verdict as verdict_module
from policykit.case import case_from_document
from policykit.config import AtRisk
from policykit.engine import evaluate
from policykit.source import Document, load_file

SCENARIOS = sorted((Path(__file__).parents[1] / "scenarios").glob("*/*.yaml"))


def _verdicts():
    for path in SCENARIOS:
        doc = load_file(path)
        if "error" in doc.data["expect"]:
            continue
        spans = {p[1:]: span for p, span in doc.spans.items() if p[:1] == ("case",)}
        case = case_from_document(Document(doc.data["case"], doc.file, spans), doc.data["case"].get(
            "policy", path.parent.name))
        yield evaluate(case.policy, case, doc.data["as_of"], doc.data.get("reading"), at_risk=AtRisk())


def test_both_encoders_write_the_compact_json_of_to_json_dict(monkeypatch):
    pytest.importorskip("orjson")
    verdicts = list(_verdicts())
    assert len(verdicts) > 50
    fast = [v.to_json_line() for v in verdicts]
    monkeypatch.setattr(verdict_module, "_orjson", None)
    plain = [v.to_json_line() for v in verdicts]
    assert fast == plain
    assert plain == [json.dumps(v.to_json_dict(), ensure_ascii=False, separators=(",", ":")) for v in verdicts]
