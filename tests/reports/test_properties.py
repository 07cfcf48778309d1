"""Any text a verdict may carry renders safely in every format."""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykit.report import render_verdict

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(label=TEXT, explanation=TEXT)
def test_arbitrary_labels_are_escaped_everywhere(harif_like, build_verdict, label, explanation):
    verdict = build_verdict()
    first = verdict.findings[0]
    first = first.model_copy(update={"label": first.label.model_copy(update={"en": label, "ar": label}),
                                     "explanation": first.explanation.model_copy(update={"en": explanation})})
    verdict = verdict.model_copy(update={"findings": [first, *verdict.findings[1:]]})
    page = render_verdict(verdict, harif_like, "html", "en")
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert len(re.findall(r"<article ", page)) == len(verdict.findings)
    markdown = render_verdict(verdict, harif_like, "markdown", "en")
    header = next(line for line in markdown.splitlines() if line.startswith("| Status"))
    columns = len(re.findall(r"(?<!\\)\|", header))
    for row in markdown.split("### Findings")[1].split("\n\n")[1].splitlines():
        assert len(re.findall(r"(?<!\\)\|", row)) == columns, row
    text = render_verdict(verdict, harif_like, "text", "en")
    assert "Findings" in text
