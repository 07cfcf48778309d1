"""The inline SVG timeline."""

import datetime as dt
import re

from policykit.report.dates import is_closed
from policykit.report.timeline import render_timeline


def _xs(svg: str, cls: str) -> list[float]:
    return [float(x) for x in re.findall(rf'<circle class="{cls}" cx="([\d.]+)"', svg)]


def test_breaches_are_marked_once_per_breached_finding(harif_like, verdict):
    svg = render_timeline(verdict, harif_like, "en")
    dated_breaches = [f for f in verdict.findings if f.status == "breached" and (f.due or f.fulfilled_at)]
    assert svg.count('class="breach"') == len(dated_breaches) >= 1
    assert svg.count('class="due"') == sum(1 for f in verdict.findings if f.due)


def test_closed_days_in_range_are_shaded(harif_like, verdict):
    svg = render_timeline(verdict, harif_like, "en")
    shaded = len(re.findall(r'<rect class="closed"', svg))
    start, end = dt.date(2025, 3, 3), dt.date(2025, 4, 11)  # trigger - 1 day .. last instant + 2 days
    expected = sum(is_closed(start + dt.timedelta(days=i), harif_like.calendar) for i in range((end - start).days))
    assert shaded == expected
    assert "Eid al-Fitr" in svg


def test_time_runs_right_to_left_in_arabic(harif_like, verdict):
    ltr = render_timeline(verdict, harif_like, "en")
    rtl = render_timeline(verdict, harif_like, "ar")
    # the deadline's trigger (4 March) precedes its fulfilment (8 April)
    trigger_en, fulfil_en = _xs(ltr, "trigger")[0], _xs(ltr, "fulfilled")[0]
    trigger_ar, fulfil_ar = _xs(rtl, "trigger")[0], _xs(rtl, "fulfilled")[0]
    assert trigger_en < fulfil_en
    assert trigger_ar > fulfil_ar


def test_no_dated_findings_gives_a_placeholder(harif_like, build_verdict):
    verdict = build_verdict()
    bare = [f.model_copy(update={"trigger_at": None, "due": None, "fulfilled_at": None}) for f in verdict.findings]
    svg = render_timeline(verdict.model_copy(update={"findings": bare}), harif_like, "ar")
    assert "<svg" in svg and "لا توجد تواريخ" in svg


def test_event_names_come_from_the_rules(harif_like, verdict):
    svg = render_timeline(verdict, harif_like, "en")
    assert "Request completed:" in svg and "Decision notified:" in svg


def test_the_version_in_force_supplies_rules_and_calendar(build_verdict):
    from policykit.loader import load_policy
    from policykit.report.view import version_used

    from pathlib import Path

    versioned = load_policy(Path(__file__).resolve().parents[1] / "fixtures" / "policies" / "mini.yaml")
    if len(versioned.versions) < 2:
        import pytest

        pytest.skip("the versioned fixture has one version")
    first = versioned.versions[0]
    verdict = build_verdict().model_copy(update={"policy_version": first.version})
    assert version_used(versioned, verdict) is first
    unknown = build_verdict().model_copy(update={"policy_version": "no-such-version"})
    assert version_used(versioned, unknown) is versioned


def test_with_the_case_every_event_up_to_as_of_is_on_the_axis():
    from policykit import evaluate, load_case

    from pathlib import Path

    case = load_case(Path(__file__).parents[2] / "examples" / "harif" / "late_decision.yaml")
    policy = case.policy
    as_of = case.events[-1].at
    verdict = evaluate(policy, case, as_of)
    svg = render_timeline(verdict, policy, "en", case)
    shown = re.findall(r'<g class="event" data-event="([a-z_]+)"', svg)
    assert shown == [e.type for e in case.events]
    earlier = evaluate(policy, case, case.events[2].at)
    assert len(re.findall(r'<g class="event"', render_timeline(earlier, policy, "en", case))) == 3


def test_thousands_of_events_are_drawn_in_bounded_time():
    """3,000 events at one instant (within a case's limits): the first 1,000 drawn, the rest counted, in seconds.

    Placing each marker scanned every marker already placed at every shift, so such a case took hours."""
    import time

    from policykit import evaluate, load_policy
    from policykit.case import case_from_data
    from policykit.report.timeline import MAX_EVENT_MARKERS

    policy = load_policy("harif")
    events = [{"type": "requirements_explained", "at": "2025-03-02T09:00"}] * 3000
    case = case_from_data({"case_id": "C-1", "policy": "harif", "events": events})
    verdict = evaluate(policy, case, "2025-03-03")
    started = time.perf_counter()
    svg = render_timeline(verdict, policy, "en", case)
    assert time.perf_counter() - started < 20
    assert len(re.findall(r'<g class="event"', svg)) == MAX_EVENT_MARKERS == 1000
    assert ">+2000<title>2000 more events not drawn; the list below has them all</title>" in svg
