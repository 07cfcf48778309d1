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
    assert re.search(r"<td><code>L-1</code></td><td class=\"num\">2</td>", arabic)
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
    code, _, err = cli("report", hostile, "--out", page)
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
              r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5, width: r.width}; });
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
