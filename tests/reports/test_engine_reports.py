"""Every bundled example through the real engine and every report format, in both languages."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

from policykit.cli import main
from policykit.report.labels import status as status_label

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*/*.yaml"))
AS_OF = "2025-12-31"


def check(case: Path, *options: str, as_of: str = AS_OF) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", str(case), "--as-of", as_of, *options], out, err)
    return code, out.getvalue(), err.getvalue()


def subject_values(case: Path) -> list[str]:
    data = yaml.safe_load(case.read_text(encoding="utf-8"))
    found = []

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif value is not None and len(str(value)) >= 4:
            found.append(str(value))

    walk(data.get("subject") or {})
    return found


@pytest.fixture(scope="module")
def verdicts() -> dict[Path, dict]:
    return {case: json.loads(check(case, "--format", "json")[1]) for case in EXAMPLES}


def test_there_are_examples_with_breaches():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
@pytest.mark.parametrize("lang", ["ar", "en"])
@pytest.mark.parametrize("case", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_report_formats_agree_with_the_verdict(case, lang, fmt, verdicts):
    verdict = verdicts[case]
    code, out, err = check(case, "--format", fmt, "--lang", lang)
    assert code == (1 if verdict["status"] == "non_compliant" else 0), err
    assert status_label(verdict["status"], lang) in out
    for finding in verdict["findings"]:
        if fmt == "text":  # table cells wrap, so look for every word
            assert all(word in out for word in finding["label"][lang].split())
        else:
            assert finding["label"][lang] in out
        if fmt != "text":
            assert finding["clause"]["ref"] in out
    if fmt == "html":
        assert out.count('<article class="finding') == len(verdict["findings"])
        assert out.count('class="breach"') <= sum(f["status"] == "breached" for f in verdict["findings"])
    for value in subject_values(case):
        assert value not in out


def last_event_day(case: Path) -> str | None:
    """The date of the case's last Gregorian-dated event, as written (None when all are Hijri)."""
    events = yaml.safe_load(case.read_text(encoding="utf-8"))["events"]
    days = [str(e["at"])[:10] for e in events if str(e["at"]).startswith("20")]
    return max(days) if days else None


def test_cases_still_open_list_their_required_actions():
    seen = 0
    for case in EXAMPLES:
        if last_event_day(case) is None:
            continue
        as_of = last_event_day(case) + "T23:00:00+03:00"
        verdict = json.loads(check(case, "--format", "json", as_of=as_of)[1])
        if not verdict["required_actions"]:
            continue
        seen += 1
        for fmt in ("markdown", "html", "text"):
            _, out, _ = check(case, "--format", fmt, "--lang", "en", as_of=as_of)
            for action in verdict["required_actions"]:
                words = action["label"]["en"].split()
                assert all(word in out or word.replace("|", "\\|") in out for word in words), (fmt, action)
    assert seen >= 1, "no example is still open the day after its last event"


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_markdown_names_an_order_rules_date_as_the_deciding_event_as_text_and_html_do(lang):
    """The Markdown table put an order rule's date under 'Fulfilled' — for a breached channel rule the event
    that broke it, for a met order rule the later step — where the text report and the HTML page say 'Decided
    by the event at'."""
    from policykit.report.labels import word

    case = Path(__file__).resolve().parents[2] / "examples" / "harif" / "late_decision.yaml"
    verdict = json.loads(check(case, "--format", "json", as_of="2025-04-15")[1])
    out = check(case, "--format", "markdown", "--lang", lang, as_of="2025-04-15")[1]
    decided = word("decided_at", lang)
    order_rows = [line for line in out.splitlines() if line.startswith("| ") and "| ت-٥ |" in line]
    assert order_rows and all(f"{decided}: " in row for row in order_rows)
    breached = next(f for f in verdict["findings"] if f["rule"] == "decision_via_agreed_channel")
    assert breached["status"] == "breached" and out.count(f"- {decided}: ") == 1
