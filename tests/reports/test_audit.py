"""The audit report (SPEC §13): figures, both languages, both entry points, and the page as Chromium lays it out
(right to left, charts present, no label cut off, A4)."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")
import pyarrow.parquet as pq  # noqa: E402

from policykit.cli import main  # noqa: E402
from policykit.report import audit  # noqa: E402

AS_OF = "2025-06-01"
HEADER = ["case_id", "type", "at", "channel", "outcome"]
CASES = [
    # late answer: breached, 4 working days late, triggered in March
    ["L-1", "request_received", "2025-03-02", "interview", ""], ["L-1", "request_completed", "2025-03-03", "", ""],
    ["L-1", "applicant_informed", "2025-03-04", "", ""],
    ["L-1", "decision_notified", "2025-03-28T10:00", "phone", "approved"],
    # on time, in April
    ["T-1", "request_received", "2025-04-01", "interview", ""], ["T-1", "request_completed", "2025-04-02", "", ""],
    ["T-1", "applicant_informed", "2025-04-03", "", ""],
    ["T-1", "decision_notified", "2025-04-06", "phone", "approved"],
    # never answered: open and overdue, in April
    ["O-1", "request_received", "2025-04-05", "interview", ""], ["O-1", "request_completed", "2025-04-06", "", ""],
    # answered long ago, still waiting: more overdue, in March
    ["O-2", "request_received", "2025-03-01", "interview", ""], ["O-2", "request_completed", "2025-03-02", "", ""],
]


def cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


def write_log(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audit")
    log = folder / "log.csv"
    write_log(log, CASES)
    out = folder / "verdicts.parquet"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out, "--workers", "1",
                       "--report", folder / "from-batch.html", "--lang", "ar")
    assert code == 1, err
    assert "كُتب تقرير التدقيق في" in err  # the summary in --lang
    return folder, out


def test_figures(verdicts):
    _, out = verdicts
    data = audit.collect(pq.read_table(out))
    assert data.cases == 4 and data.by_status["non_compliant"] >= 1
    assert data.breaches["respond_within_15_working_days"] >= 1
    assert data.lateness["working_days"]
    assert set(data.months) == {"2025-03", "2025-04"}


def with_overdue_actions(rows):
    """The SPEC §9 overdue actions of the two unanswered cases (an overdue deadline owes its event)."""
    for row in rows:
        if row["case_id"].startswith("O-"):
            due = next(f["due"] for f in row["findings"] if f["rule"] == "respond_within_15_working_days")
            row["required_actions"] = [{"event": "decision_notified", "due": due,
                                        "rule": "respond_within_15_working_days", "at_risk": False}]
    return rows


def test_most_overdue_open_cases_come_first(verdicts):
    _, out = verdicts
    data = audit.collect(with_overdue_actions(pq.read_table(out).to_pylist()))
    assert [row["case_id"] for _, _, row in sorted(data.overdue, key=lambda e: -e[0])] == ["O-2", "O-1"]
    page = audit.render(data, "en")
    section = page[page.index('<section id="overdue">'):]
    assert section.index("O-2") < section.index("O-1") and "Decision notified by <bdi dir=\"ltr\">2025-03-23 23:59</bdi> — <span class=\"at-risk\">overdue" in section


def test_library_render_in_both_languages_with_incomplete_cases(verdicts):
    _, out = verdicts
    rows = with_overdue_actions(pq.read_table(out).to_pylist())
    rows[0]["incomplete"] = {"rejected_rows": 2}  # the SPEC §10 marker, as batch writes it
    arabic = audit.render(rows, "ar")
    assert '<html lang="ar" dir="rtl">' in arabic and "تقرير تدقيق الالتزام بالسياسة" in arabic
    assert arabic.count("<svg") >= 4 and "http://" not in arabic.replace("http://www.w3.org/2000/svg", "")
    assert "<script" not in arabic and "<link" not in arabic  # self-contained, nothing fetched
    assert re.search(r"<td class=\"case-id\"><code>L-1</code></td><td class=\"num\">2</td>", arabic)
    english = audit.render(rows, "en")
    assert '<html lang="en" dir="ltr">' in english and "Most overdue open cases" in english
    assert "Decision notified" in english  # required actions as words
    with pytest.raises(ValueError):
        audit.render(rows, "fr")


def test_batch_and_report_command_write_the_same_page(verdicts):
    folder, out = verdicts
    code, _, err = cli("report", out, "--out", folder / "from-report.html", "--lang", "ar")
    assert code == 0, err
    strip = lambda page: re.sub(r"<tr><th>[^<]*</th><td><code>[^<]*</code></td></tr>\n", "", page)  # noqa: E731
    assert strip((folder / "from-report.html").read_text("utf-8")).replace("verdicts.parquet", "") == \
        strip((folder / "from-batch.html").read_text("utf-8")).replace(str(out), "")


def test_jsonl_verdicts_give_the_same_figures(verdicts, tmp_path):
    folder, out = verdicts
    jsonl = tmp_path / "v.jsonl"
    cli("batch", folder / "log.csv", "--policy", "harif", "--as-of", AS_OF, "--out", jsonl, "--workers", "1")
    a, b = audit.collect_file(str(out)), audit.collect_file(str(jsonl))
    assert (a.cases, a.by_status, a.breaches, a.lateness, a.months) == (b.cases, b.by_status, b.breaches,
                                                                       b.lateness, b.months)


def test_a_case_id_holding_a_line_separator_is_one_case(tmp_path):
    """JSONL keeps U+2028 raw inside a case id; batch --report on JSONL output counts it as one case (the report
    failed: str.splitlines cut the line in two)."""
    log = tmp_path / "log.csv"
    rows = [[("L\u2028x" if row[0] == "L-1" else row[0]), *row[1:]] for row in CASES]
    write_log(log, rows)
    jsonl = tmp_path / "v.jsonl"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", jsonl, "--workers", "1",
                       "--report", tmp_path / "r.html")
    assert code == 1, err
    assert audit.collect_file(str(jsonl)).cases == 4


def test_case_ids_show_their_control_and_bidi_characters_escaped(tmp_path):
    """A case id with a right-to-left override read backwards on the page (markup was escaped, the override was
    not), an ESC reached it raw; they now show as in the CSV and the workbook: `\\u202e` (a line break is
    whitespace on a page, and stays one)."""
    log = tmp_path / "log.csv"
    hostile = {"O-1": "\u202eevil", "O-2": "a\x1b[31mred\nline"}
    rows = [[hostile.get(row[0], row[0]), *row[1:]] for row in CASES]
    rows.append(["\u2066iso\u2069", "bogus_type", "2025-03-02", "", ""])
    write_log(log, rows)
    jsonl = tmp_path / "v.jsonl"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", jsonl, "--workers", "1",
                       "--report", tmp_path / "a.html", "--lang", "en")
    assert code == 1, err
    code, _, err = cli("report", jsonl, "--out", tmp_path / "b.html")
    assert code == 0, err
    for name in ("a.html", "b.html"):
        page = (tmp_path / name).read_text("utf-8")
        assert not set(page) & {"\u202e", "\u2066", "\u2069", "\x1b"}
        assert "<code>\\u202eevil</code>" in page and "<code>a\\x1b[31mred\nline</code>" in page
        assert "<code>\\u2066iso\\u2069</code>" in page  # the incomplete cases' table too


def test_report_command_errors(tmp_path, verdicts):
    folder, out = verdicts
    code, _, err = cli("report", tmp_path / "none.parquet", "--out", tmp_path / "a.html")
    assert code == 2 and "file-not-found" in err
    code, _, err = cli("report", folder / "log.csv", "--out", tmp_path / "a.html")
    assert code == 2 and "usage" in err
    code, _, err = cli("report", out, "--out", out)
    assert code == 2 and "output-is-input" in err
    events = tmp_path / "events.parquet"
    import pyarrow as pa

    pq.write_table(pa.table({"case_id": ["x"], "type": ["request_received"]}), events)
    code, _, err = cli("report", events, "--out", tmp_path / "a.html")
    assert code == 2 and "invalid-verdicts" in err and "Traceback" not in err
    assert not (tmp_path / "a.html").exists()


def test_a_bad_line_of_jsonl_verdicts_is_named_by_its_number(tmp_path, verdicts):
    """A JSONL verdicts file with one foreign or undecodable line was refused without saying which line."""
    folder, _ = verdicts
    good = tmp_path / "v.jsonl"
    code, _, err = cli("batch", folder / "log.csv", "--policy", "harif", "--as-of", AS_OF, "--out", good)
    lines = good.read_bytes().splitlines(keepends=True)
    for extra, kind in ((b'{"case_id": "x"}\n', "KeyError"), (b"\xff\xfe\n", "UnicodeDecodeError")):
        bad = tmp_path / "bad.jsonl"
        bad.write_bytes(b"".join(lines[:2]) + extra + b"".join(lines[2:]))
        code, _, err = cli("report", bad, "--out", tmp_path / "a.html")
        assert code == 2 and err == f"{bad}:3: invalid-verdicts: not a verdicts line of `policykit batch` ({kind})\n"
    assert not (tmp_path / "a.html").exists()


@pytest.mark.parametrize("named", ["absolute", "relative", "custom id"])
def test_the_policy_a_verdicts_file_names_is_a_bundled_id_never_a_path(tmp_path, verdicts, named):
    """A verdicts file is data, maybe someone else's: its `policy` was loaded as given, so one naming
    /home/…/secret.yaml (or ../../…) had that file read and its content quoted in the errors ("got 'hunter2…'").
    Now only a bundled id is loaded; any other policy (a custom one's id too, which had made the report fail)
    gives the report without it: rules by id."""
    folder, _ = verdicts
    good = tmp_path / "v.jsonl"
    cli("batch", folder / "log.csv", "--policy", "harif", "--as-of", AS_OF, "--out", good)
    secret = tmp_path / "private" / "secret.yaml"
    secret.parent.mkdir()
    secret.write_text("id: hunter2-token\nname: a personal value\n", encoding="utf-8")
    reference = {"absolute": str(secret), "relative": "../" * 12 + str(secret).lstrip("/"),
                 "custom id": "our_own_policy"}[named]
    rows = [json.loads(line) for line in good.read_text(encoding="utf-8").splitlines()]
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_text("".join(json.dumps({**row, "policy": reference}) + "\n" for row in rows), encoding="utf-8")
    page = tmp_path / "a.html"
    code, _, err = cli("report", hostile, "--out", page, "--lang", "en")
    assert code == 0 and err == f"audit report of {len(rows)} cases written to {page}\n"
    text = page.read_text(encoding="utf-8")
    assert "hunter2" not in text and "personal value" not in text
    assert "respond_within_15_working_days" in text  # the rules by id, the policy not loaded


def test_report_command_checks_its_output_as_batch_does(tmp_path, verdicts):
    """`report --out` in a missing directory or naming a directory was an internal error (exit 70), and a hard
    link to the verdicts was overwritten by the page; a FIFO was 'no such verdicts file'."""
    import os

    _, out = verdicts
    linked = tmp_path / "linked.parquet"
    os.link(out, linked)
    before = out.read_bytes()
    for target, expected in ((out, "output-is-input"), (tmp_path / "no" / "dir" / "a.html", "output-unwritable"),
                             (tmp_path, "output-unwritable")):
        code, _, err = cli("report", linked, "--out", target)
        assert code == 2 and f"--out: {expected}" in err and "internal error" not in err, err
    assert out.read_bytes() == before
    fifo = tmp_path / "verdicts.jsonl"
    os.mkfifo(fifo)
    code, _, err = cli("report", fifo, "--out", tmp_path / "a.html")
    assert code == 2 and "not-a-regular-file" in err
    assert not (tmp_path / "a.html").exists()


# --- in Chromium -------------------------------------------------------------------------------------------------

_spec = importlib.util.spec_from_file_location("chromium_helpers", Path(__file__).with_name("chromium.py"))
chromium = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(chromium)
BROWSER, needs_chromium = chromium.BROWSER, chromium.needs_chromium
PROBE = """<script>
const page = document.documentElement, charts = [...document.querySelectorAll('svg.chart')];
const out = document.createElement('pre'); out.id = 'probe';
out.textContent = JSON.stringify({direction: getComputedStyle(document.body).direction, lang: page.lang,
  charts: charts.map(svg => { const box = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll('text')].map(t => { const r = t.getBoundingClientRect();
      return {text: t.textContent, clipped: r.left < box.left - 0.5 || r.right > box.right + 0.5 ||
              r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5, width: r.width,
              box: [r.left, r.top, r.right, r.bottom],
              slanted: (t.getAttribute('transform') || '').includes('rotate(-45)')}; });
    return {id: svg.id, width: box.width, height: box.height, shapes: svg.querySelectorAll('rect,polyline').length,
            texts}; }),
  text: document.body.innerText});
document.body.appendChild(out);
</script>"""


def _probe(tmp_path, page: str) -> dict:
    chromium.require()
    probe_file = tmp_path / "probe.html"
    probe_file.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    result = BROWSER.chromium(tmp_path, "--dump-dom", probe_file.as_uri())
    match = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout, flags=re.S)
    assert match, result.stderr[-2000:]
    import html

    return json.loads(html.unescape(match.group(1)))


@needs_chromium
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_charts_render_with_no_label_cut_off(tmp_path, verdicts, lang):
    _, out = verdicts
    probe = _probe(tmp_path, audit.render(with_overdue_actions(pq.read_table(out).to_pylist()), lang))
    assert probe["direction"] == ("rtl" if lang == "ar" else "ltr") and probe["lang"] == lang
    ids = {c["id"] for c in probe["charts"]}
    assert {"chart-status", "chart-rules", "chart-lateness-working_days", "chart-monthly"} <= ids
    for chart in probe["charts"]:
        assert chart["width"] > 300 and chart["height"] > 30 and chart["shapes"] >= 1, chart["id"]
        assert not [t["text"] for t in chart["texts"] if t["clipped"]], chart["id"]
        assert all(t["width"] > 0 for t in chart["texts"]), chart["id"]
    if lang == "ar":
        assert "أكثر الحالات المفتوحة تأخراً" in probe["text"] and "مدة الرد على الطلب" in probe["text"]


@needs_chromium
def test_audit_report_prints_on_a4_and_is_not_blank(tmp_path, verdicts):
    folder, _ = verdicts
    page_file = folder / "from-batch.html"
    pdf = tmp_path / "audit.pdf"
    BROWSER.chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page_file.as_uri())
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())
    assert boxes and all(abs(float(w) - 595.9) < 2 and abs(float(h) - 842.9) < 2 for w, h in boxes)
    colours, inked = BROWSER.screenshot_colours(tmp_path, page_file)
    assert colours > 100 and inked > 0.03


def _overlaps(texts: list[dict]) -> list[tuple[str, str]]:
    """Pairs of chart texts whose boxes, as Chromium lays them out, cover each other by more than a pixel (a label
    turned 45° has a box wider than its letters, covering its neighbours' boxes without touching them: left out)."""
    pairs = []
    texts = [t for t in texts if not t["slanted"]]
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            (l1, t1, r1, b1), (l2, t2, r2, b2) = a["box"], b["box"]
            if min(r1, r2) - max(l1, l2) > 1 and min(b1, b2) - max(t1, t2) > 1:
                pairs.append((a["text"], b["text"]))
    return pairs


@pytest.fixture(scope="module")
def large_verdicts():
    """The verdicts of a two-year log from bench/loggen.py: 24 months, every rule breached, four-digit counts."""
    from policykit import load_policy
    from policykit.batch import judge_table

    spec = importlib.util.spec_from_file_location("loggen", Path(__file__).parents[2] / "bench" / "loggen.py")
    loggen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loggen)
    return judge_table(loggen.generate(200_000, seed=3), load_policy("harif"), "2026-01-01")


@needs_chromium
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_large_log_s_charts_show_every_label_whole_and_none_over_another(tmp_path, large_verdicts, lang):
    """Seen on a 200,000-event log: the monthly chart's four-digit counts ran into each other, and the rule
    labels of the breaches chart were cut to 'Request complete before referral to the comm…' (no tooltip on
    paper)."""
    probe = _probe(tmp_path, audit.render(large_verdicts, lang))
    charts = {c["id"]: c for c in probe["charts"]}
    assert len([c for c in charts["chart-monthly"]["texts"] if c["text"].startswith("20")]) == 24
    for chart in charts.values():
        assert not _overlaps(chart["texts"]), (chart["id"], _overlaps(chart["texts"])[:5])
        assert not [t["text"] for t in chart["texts"] if t["clipped"]], chart["id"]
    policy = __import__("policykit").load_policy("harif")
    shown = " ".join(t["text"] for t in charts["chart-rules"]["texts"])
    assert "…" not in shown
    # the rules breached in the first cases, read from two columns: to_pylist() of the whole table turns every
    # instant into a datetime, which pyarrow 18 does by trying to import pytz each time (minutes for this log)
    import pyarrow.compute as pc

    findings = pc.list_flatten(large_verdicts.column("findings").slice(0, 3000))
    breached = {rule for rule, status in zip(pc.struct_field(findings, "rule").to_pylist(),
                                             pc.struct_field(findings, "status").to_pylist()) if status == "breached"}
    assert breached
    for rule in policy.rules:
        if rule.id in breached:
            assert all(word in shown for word in getattr(rule.label, lang).split()), rule.id


LAYOUT_PROBE = """<script>
const ids = [...document.querySelectorAll('#overdue td:first-child, #incomplete td:first-child')];
const out = document.createElement('pre'); out.id = 'probe';
out.textContent = JSON.stringify({pageWidth: document.documentElement.scrollWidth,
  viewWidth: document.documentElement.clientWidth,
  ids: ids.map(td => { const code = td.querySelector('code'), r = td.getBoundingClientRect();
    // one rect per line, or per direction run on a line: the lines are the distinct tops
    const tops = new Set([...code.getClientRects()].map(q => Math.round(q.top)));
    return {text: code.textContent, lines: tops.size, right: r.right, left: r.left}; })});
document.body.appendChild(out);
</script>"""


@needs_chromium
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_case_ids_keep_to_one_line_and_a_very_long_one_stays_on_the_page(tmp_path, lang):
    """Seen in Chromium: 'H-00007485' broke after its hyphen in the overdue table, and a 300-character case id
    pushed the table off the page (the Arabic page showed blank, its content scrolled out of view)."""
    chromium.require()
    long_id = "X" * 300
    rows = []
    for case_id in ("H-00007485", long_id, "ح-١٤٤٦-٠٠٧"):
        rows += [[case_id, "request_received", "2025-03-02", "interview", ""],
                 [case_id, "request_completed", "2025-03-03", "", ""]]
    rows.append(["R-00000001", "request_received", "not a date", "", ""])
    log = tmp_path / "log.csv"
    write_log(log, rows)
    page = tmp_path / "audit.html"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", tmp_path / "v.parquet",
                       "--report", page, "--lang", lang)
    assert code == 1, err
    probe_file = tmp_path / "probe.html"
    probe_file.write_text(page.read_text("utf-8").replace("</body>", LAYOUT_PROBE + "</body>"), "utf-8")
    result = BROWSER.chromium(tmp_path, "--dump-dom", "--window-size=800,1200", probe_file.as_uri())
    match = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout, flags=re.S)
    assert match, result.stderr[-2000:]
    import html

    probe = json.loads(html.unescape(match.group(1)))
    assert probe["pageWidth"] <= probe["viewWidth"] + 1, probe["pageWidth"]
    shown = {i["text"]: i for i in probe["ids"]}
    assert {"H-00007485", long_id, "ح-١٤٤٦-٠٠٧", "R-00000001"} <= set(shown)
    for short in ("H-00007485", "ح-١٤٤٦-٠٠٧", "R-00000001"):
        assert shown[short]["lines"] == 1, shown[short]
    assert shown[long_id]["right"] <= probe["viewWidth"] and shown[long_id]["left"] >= 0


@needs_chromium
def test_a_long_overdue_table_repeats_its_header_on_every_printed_page(tmp_path, large_verdicts):
    """Printed, the most-overdue table ran onto a second A4 page without its column headers: they were plain
    rows, not the table's header group that Chromium repeats on each page."""
    chromium.require()
    page = audit.render(large_verdicts, "ar")
    for section in ("overdue", "incomplete"):
        body = page.split(f'<section id="{section}">')[1].split("</section>")[0]
        if "<table>" in body:
            assert re.search(r"<table>\s*<thead><tr><th>", body) and "</thead>\n<tbody>" in body, section
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", """<script>
const out = document.createElement('pre'); out.id = 'probe';
window.matchMedia('print');
out.textContent = JSON.stringify([...document.querySelectorAll('#overdue thead')].map(
  h => getComputedStyle(h).display));
document.body.appendChild(out);
</script></body>"""), "utf-8")
    result = BROWSER.chromium(tmp_path, "--dump-dom", probe.as_uri())
    assert '["table-header-group"]' in result.stdout


def test_report_command_speaks_the_language_it_was_asked_for(tmp_path, verdicts):
    """`policykit report … --lang ar` wrote the page in Arabic but said 'audit report of 4 cases written to …'
    in English; the path reached the terminal unescaped."""
    _, out = verdicts
    page = tmp_path / "تقرير\x1b.html"
    code, _, err = cli("report", out, "--out", page, "--lang", "ar")
    assert code == 0 and err.startswith("كُتب تقرير التدقيق في ") and err.endswith(" (عدد الحالات: 4)\n"), err
    assert "\x1b" not in err and ("\\x1b" in err or "\\u001b" in err)
    code, _, err = cli("report", out, "--out", tmp_path / "a.html", "--lang", "en")
    assert code == 0 and err == f"audit report of 4 cases written to {tmp_path / 'a.html'}\n"


def test_a_report_of_no_case_still_says_which_policy_and_as_of_when(tmp_path):
    """A batch whose log held no case wrote a report with its policy and as-of rows empty: both came from the
    first verdict row. They are the run's."""
    log = tmp_path / "log.csv"
    write_log(log, [])
    page = tmp_path / "audit.html"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", tmp_path / "v.parquet",
                       "--report", page, "--lang", "en")
    assert code == 0, err
    text = page.read_text("utf-8")
    assert '<tr><th>As of</th><td><bdi dir="ltr">2025-06-01 00:00</bdi></td></tr>' in text
    assert "<tr><th>Policy</th><td><code>harif</code></td></tr>" in text


def test_the_report_names_the_reading_its_verdicts_used(tmp_path):
    """SPEC §5: the reading of «لا تقل عن أسبوعين» is named in every verdict that uses it; the audit report of
    those verdicts (966 breaches of 'الرد خلال أسبوعين' on a loggen log of saddad) did not say which reading they
    rest on."""
    log = tmp_path / "log.csv"
    write_log(log, [["S-1", "request_received", "2025-03-02", "interview", ""],
                    ["S-1", "referred_to_committee", "2025-03-03", "", ""]])
    for reading, lang, shown in ((None, "ar", "القراءة المقصودة"), ("literal", "en", "literal reading")):
        page, jsonl = tmp_path / f"{lang}.html", tmp_path / f"{lang}.jsonl"
        extra = ("--reading", reading) if reading else ()
        code, _, err = cli("batch", log, "--policy", "saddad", "--as-of", AS_OF, "--out", jsonl, *extra,
                           "--report", page, "--lang", lang)
        assert code in (0, 1), err
        assert f'<td id="reading">{shown}</td>' in page.read_text("utf-8")
        again = tmp_path / f"again-{lang}.html"
        assert cli("report", jsonl, "--out", again, "--lang", lang)[0] == 0
        assert f'<td id="reading">{shown}</td>' in again.read_text("utf-8")


def test_the_overdue_column_says_its_days_are_calendar_days(verdicts):
    """The most-overdue table said 'Days overdue: 34' for a case whose workbook row says '25 working days' late:
    the table counts calendar days since the earliest passed due, and did not say so."""
    _, out = verdicts
    rows = pq.read_table(out).to_pylist()
    assert "<th>أيام التأخر (تقويمية)</th>" in audit.render(rows, "ar")
    assert "<th>Calendar days overdue</th>" in audit.render(rows, "en")


def test_the_monthly_chart_says_what_months_it_leaves_out():
    """A log of three years showed only its last 24 months, with nothing to say the first year's cases were
    missing from the chart (its columns summed to fewer cases than the report's total)."""
    data = audit.AuditData()
    for month in range(36):
        data.months[f"{2023 + month // 12}-{month % 12 + 1:02d}"] = [10, 3]
    page = audit.render_data(data, "en")
    assert "the last 24 months; 120 cases of earlier months not shown" in page
    assert page.count("2023-") == 0 and "2024-01" in page
    assert "آخر 24 شهراً؛ لم تُعرض حالات الأشهر الأقدم (عددها 120)" in audit.render_data(data, "ar")
    data.months = {"2025-01": [4, 1]}
    assert 'id="earlier-months"' not in audit.render_data(data, "en")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_count_axis_stands_on_the_reading_side(verdicts, lang):
    """In Arabic the columns run right to left (the first month at the right) but the count axis stood at the
    left, at the end of the reading, and the breach-rate axis at the start; as Excel lays out a right-to-left
    chart, the count axis now stands at the right in Arabic, the rate axis opposite."""
    _, out = verdicts
    page = audit.render(pq.read_table(out).to_pylist(), lang)
    monthly = page.split('id="chart-monthly"')[1].split("</svg>")[0]
    count_x = [float(x) for x in re.findall(r'class="axis count-axis" x="([\d.]+)"', monthly)]
    rate_x = [float(x) for x in re.findall(r'class="axis rate-axis" x="([\d.]+)"', monthly)]
    columns = [float(x) for x in re.findall(r'<rect x="([\d.]+)"', monthly)]
    assert count_x and rate_x and columns
    if lang == "ar":
        assert min(count_x) > max(columns) and max(rate_x) < min(columns)
    else:
        assert max(count_x) < min(columns) and min(rate_x) > max(columns)


@pytest.mark.parametrize("lang,said", [("ar", "لا توجد حالات"), ("en", "No cases")])
def test_an_empty_case_section_says_no_cases_in_words_that_agree(tmp_path, lang, said):
    """The incomplete and the most overdue sections, when empty, said «لا يوجد» under a heading of «حالات» (a
    feminine plural: «لا توجد»); they say «لا توجد حالات» / "No cases" now."""
    log = tmp_path / "log.csv"
    write_log(log, [])
    page = tmp_path / "audit.html"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", tmp_path / "v.parquet",
                       "--report", page, "--lang", lang)
    assert code == 0, err
    text = page.read_text("utf-8")
    for section in ("incomplete", "overdue"):
        body = text[text.index(f'<section id="{section}">'):]
        body = body[:body.index("</section>")]
        assert f"<p>{said}</p>" in body
    assert "لا يوجد" not in text and (lang == "en" or "لا توجد بيانات" in text)  # the empty charts
