"""Every `check` report form says what the JSON says about compensation: for harif, eligible and then the
negotiation with the beneficiary (clause ث-٤), in Arabic and English."""

from __future__ import annotations

import html
import io
import json

import pytest

from policykit.cli import main

CASE = """\
case_id: H-COMP-1
policy: harif
facts:
  association_caused_harm: true
  investigation_minutes_approved: true
events:
  - {type: request_received, at: "2025-03-02T09:15:00+03:00", channel: interview}
  - {type: request_completed, at: "2025-03-04"}
"""


def check(path, *options: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", str(path), "--as-of", "2025-03-05", *options], out, err)
    assert code in (0, 1), err.getvalue()
    return code, out.getvalue()


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    path = tmp_path_factory.mktemp("compensation") / "case.yaml"
    path.write_text(CASE, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_every_report_form_names_the_negotiation_step(case, fmt, lang):
    compensation = json.loads(check(case, "--format", "json")[1])["compensation"]
    assert compensation["status"] == "eligible"
    out = check(case, "--format", fmt, "--lang", lang)[1]
    if fmt == "html":
        out = html.unescape(out)
    flat = " ".join(out.split())  # the text report wraps long lines
    assert compensation["explanation"][lang] in flat
    for clause in compensation["clauses"]:  # the conditions and, last, the negotiation (ث-٤)
        assert clause["ref"] in flat and " ".join(clause["text_ar"].split()) in flat
    assert compensation["clauses"][-1]["ref"] == "ث-٤"


def test_an_undetermined_answer_names_the_facts_by_their_words_in_english_too(tmp_path):
    """The Arabic explanation named the unknown facts by their words, the English one by their ids
    ('investigation_minutes_approved'), which every report form now prints."""
    path = tmp_path / "case.yaml"
    path.write_text(CASE.replace("  investigation_minutes_approved: true\n", ""), encoding="utf-8")
    compensation = json.loads(check(path, "--format", "json")[1])["compensation"]
    assert compensation["status"] == "undetermined"
    assert compensation["unknown_facts"] == ["investigation_minutes_approved", "final_ruling_issued"]
    for lang, words in (("en", "Investigation committee minutes approved"), ("ar", "محضر لجنة التحقيق")):
        assert words in compensation["explanation"][lang]
        assert not any(fact in compensation["explanation"][lang] for fact in compensation["unknown_facts"])
