"""The officers' page in a real headless Chromium (Playwright driving the system browser, no download)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
        "--mute-audio"]
SHOTS = Path(os.environ.get("POLICYKIT_SCREENSHOTS", "/tmp/policykit-service-screenshots"))
CSV = ("case_id,type,at,channel,outcome\n"
       "C1,request_received,2025-03-11T09:15:00+03:00,interview,\n"
       "C1,request_completed,2025-03-13,,\n"
       "C1,decision_notified,2025-04-13T11:00:00+03:00,email,approved\n"
       "C2,request_received,2025-04-16T09:15:00+03:00,interview,\n")


def _missing() -> str | None:
    if CHROMIUM is None:
        return "Chromium is not installed (apt-get install chromium); .ci/run installs it"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install '.[all,test]' (the system Chromium is used, no download)"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _missing()
    if reason:
        if IN_CI:
            pytest.fail(f"in CI the browser tests must run: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1400}, locale="ar-SA")
    opened = context.new_page()
    yield opened
    context.close()


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def test_the_page_loads_without_a_token_in_arabic_right_to_left(server, page):
    answer = page.goto(f"{server.url}/")
    assert answer.status == 200
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert "خدمة التحقق" in page.inner_text("h1")
    shot(page, "index-ar")
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
    assert "Check a case" in page.inner_text("body")


def test_every_control_has_a_label(server, page):
    page.goto(f"{server.url}/?lang=en")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea, button')].filter(c => !(c.labels && c.labels.length)
        && !c.getAttribute('aria-label')
        && !(c.tagName === 'BUTTON' && c.textContent.trim())).map(c => c.name || c.id)""")
    assert unlabelled == []
    assert page.get_by_label("Access token (Bearer)").count() == 1
    assert page.get_by_label("Case file (YAML or JSON)").count() == 1


def test_the_forms_are_reached_with_the_keyboard(server, page):
    page.goto(f"{server.url}/?lang=en")
    reached = []
    for _ in range(8):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    assert reached[:6] == ["A", "token", "as_of", "case_file", "case_text", "submit-check"], reached


def test_uploading_the_bundled_example_shows_the_breach(server, page, example, token):
    page.goto(f"{server.url}/")
    page.get_by_label("رمز الدخول (Bearer)").fill(token)
    page.get_by_label("التقييم في تاريخ").fill("2025-04-15")
    page.set_input_files("#case_file", str(example))
    with page.expect_navigation():
        page.click("#submit-check")
    status = page.locator("#case-status")
    assert "non_compliant" in status.get_attribute("class")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    breached = page.locator("article.finding.breached")
    assert breached.count() >= 1
    assert page.locator("article.finding.breached[data-rule=respond_within_15_working_days]").count() == 1
    assert page.locator("svg").first.bounding_box()["width"] > 100  # the timeline is drawn
    assert "example applicant" not in page.content()  # the subject is never echoed
    assert shot(page, "check-breach-ar").stat().st_size > 10_000


def test_pasted_yaml_and_english(server, page, example, token):
    page.goto(f"{server.url}/?lang=en")
    page.get_by_label("Access token (Bearer)").fill(token)
    page.get_by_label("Judge as of").fill("2025-04-15")
    page.get_by_label("Or paste the case").fill(example.read_text(encoding="utf-8"))
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the focused "Check the case" button
    assert "non_compliant" in page.locator("#case-status").get_attribute("class")
    assert page.evaluate("document.documentElement.lang") == "en"


def test_without_the_token_the_page_says_so(server, page, example):
    page.goto(f"{server.url}/?lang=en")
    page.set_input_files("#case_file", str(example))
    with page.expect_navigation():
        page.click("#submit-check")
    alert = page.get_by_role("alert")
    assert "unauthorized" in alert.inner_text()


def test_an_invalid_case_is_located_on_the_page(server, page, token):
    page.goto(f"{server.url}/?lang=en")
    page.get_by_label("Access token (Bearer)").fill(token)
    broken = "case_id: X\npolicy: harif\nevents:\n  - {type: oops, at: 2025-01-01}\n"
    page.get_by_label("Or paste the case").fill(broken)
    with page.expect_navigation():
        page.click("#submit-check")
    text = page.get_by_role("alert").inner_text()
    assert "unknown-event" in text and "(4:" in text


def test_the_events_form_checks_a_case(server, page, token):
    page.goto(f"{server.url}/?lang=en")
    page.get_by_label("Access token (Bearer)").fill(token)
    page.get_by_label("Judge as of").fill("2025-04-20")
    page.select_option("#form_policy", "harif")
    page.get_by_label("Case id").fill("FORM-1")
    rows = [("request_received", "2025-03-11T09:15", "interview", ""), ("request_completed", "2025-03-13", "", ""),
            ("decision_notified", "2025-04-13T11:00", "email", "approved")]
    for number, (kind, at, channel, outcome) in enumerate(rows, start=1):
        page.get_by_label(f"Event number {number}: Event").select_option(kind)
        page.get_by_label(f"Event number {number}: When").fill(at)
        if channel:
            page.get_by_label(f"Event number {number}: Channel").select_option(channel)
        if outcome:
            page.get_by_label(f"Event number {number}: Outcome").select_option(outcome)
    with page.expect_navigation():
        page.click("#submit-events")
    assert "non_compliant" in page.locator("#case-status").get_attribute("class")
    assert "FORM-1" in page.inner_text("header")


def _wait_done(page) -> None:
    """Reload the job's page until the job ends; it must end done."""
    deadline = time.monotonic() + 60
    while page.locator("#job-state").get_attribute("data-state") not in ("done", "failed"):
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.3)
        page.reload()
    assert page.locator("#job-state").get_attribute("data-state") == "done"


def test_uploading_an_export_gives_the_verdicts(server, page, token, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text(CSV, encoding="utf-8")
    page.goto(f"{server.url}/?lang=en")
    page.get_by_label("Access token (Bearer)").fill(token)
    page.get_by_label("Judge as of").fill("2025-04-20")
    page.select_option("#batch_policy", "harif")
    page.set_input_files("#export_file", str(export))
    with page.expect_navigation():
        page.click("#submit-batch")
    _wait_done(page)
    rows = page.locator("#verdicts tr")
    assert rows.count() == 3  # header and two cases
    assert page.locator("#verdicts [data-status=non_compliant]").inner_text() == "non-compliant"
    with page.expect_download() as download:
        page.click("#download-jsonl")
    assert download.value.suggested_filename.endswith(".jsonl")
    shot(page, "batch-done-en")


def test_an_arabic_windows_export_is_read_with_the_pages_options(server, page, token, tmp_path):
    """Excel's plain CSV on an Arabic Windows (cp1256, semicolons, Arabic headers, day-first dates), uploaded
    with the page's reading options in Arabic."""
    export = tmp_path / "export.csv"
    export.write_bytes("رقم الطلب;الإجراء;التاريخ;القناة\r\n"
                       "ط-1;request_received;02/03/2025 09:00;phone\r\n"
                       "ط-1;request_completed;04/03/2025 10:00;\r\n".encode("cp1256"))
    page.goto(f"{server.url}/")
    page.locator("#token").fill(token)
    page.locator("#as_of").fill("2025-04-20")
    page.select_option("#batch_policy", "harif")
    page.set_input_files("#export_file", str(export))
    page.click("#export-options summary")
    page.select_option("#encoding", "cp1256")
    page.locator("#date_format").fill("%d/%m/%Y %H:%M")
    page.locator("#columns").fill("case_id=رقم الطلب\ntype=الإجراء\nat=التاريخ\nchannel=القناة")
    with page.expect_navigation():
        page.click("#submit-batch")
    _wait_done(page)
    assert "ط-1" in page.inner_text("#verdicts")
    assert page.locator("#verdicts [data-status=non_compliant]").count() == 1
    shot(page, "batch-cp1256-ar")


def test_the_page_shows_the_comparison_of_the_bundled_policies(server, page):
    page.goto(f"{server.url}/")
    frame = page.frame_locator("iframe[title]")
    matrix = frame.locator("table").first
    matrix.wait_for()
    text = frame.locator("body").inner_text()
    assert all(pid in text for pid in ("harif", "saddad", "suqya", "green_energy", "khairat_albaha"))
    page.locator("#compare").scroll_into_view_if_needed()
    shot(page, "comparison-ar")


def test_the_api_docs_render_from_the_service_alone(server, page):
    """/docs loads Swagger UI from the service, not a CDN: every request stays on the server, and it renders."""
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    answer = page.goto(f"{server.url}/docs")
    assert answer.status == 200
    assert "connect-src 'self'" in answer.headers["content-security-policy"]
    page.wait_for_selector(".opblock", timeout=15_000)
    document = page.evaluate("fetch('/openapi.json').then(r => r.json())")
    operations = sum(len(methods) for methods in document["paths"].values())
    assert page.locator(".opblock").count() == operations
    shot(page, "api-docs")
    assert asked and all(url.startswith(server.url) for url in asked), [u for u in asked if not u.startswith(server.url)]
