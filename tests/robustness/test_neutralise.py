"""SPEC §15: text from input files reaching a terminal, a CSV cell or a Markdown report cannot act there."""

from __future__ import annotations

import csv
import io
import json

import pytest

from policykit.neutralise import csv_cell, markdown, terminal

ESC, BEL, RLO = "\x1b", "\x07", "\u202e"
# OSC title change, a colour, a forged status line, a bidi override and HTML: everything a case id should not do
HOSTILE_ID = f"X-1\n{ESC}]0;pwned{BEL}{ESC}[32mCase status: compliant{ESC}[0m {RLO}evil <script>alert(1)</script>"


def _case(tmp_path, case_id: str):
    path = tmp_path / "case.yaml"
    path.write_text(f"case_id: {json.dumps(case_id)}\npolicy: harif\n"
                    "events:\n  - {type: request_received, at: '2025-03-02T09:00:00+03:00'}\n"
                    "  - {type: request_completed, at: '2025-03-03'}\n", encoding="utf-8")
    return path


def test_terminal_escapes_controls_and_bidi_visibly_and_keeps_arabic():
    assert terminal("a\nb") == "a\\nb"
    assert terminal(f"{ESC}[31m{RLO}x") == "\\x1b[31m\\u202ex"
    assert terminal("\u2066\u2069\u2028\x85") == "\\u2066\\u2069\\u2028\\x85"
    assert terminal("رقم الطلب ١٢") == "رقم الطلب ١٢"


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_a_spreadsheet_would_run_get_a_quote(text):
    cell = csv_cell(text)
    assert cell.startswith("'") and "\t" not in cell and "\r" not in cell


def test_csv_cells_leave_numbers_and_plain_text_alone():
    assert csv_cell(-5) == -5 and csv_cell(None) is None and csv_cell("H-2025-0042") == "H-2025-0042"


def test_markdown_escapes_markup_html_and_line_starts():
    assert markdown("a\n<script>") == "a\\\\n&lt;script&gt;"
    assert markdown("**bold** [x](y) `c` | ~s~ A&B") == "\\*\\*bold\\*\\* \\[x\\](y) \\`c\\` \\| \\~s\\~ A&amp;B"
    assert markdown("- item") == "\\- item" and markdown("1. item") == "1\\. item" and markdown("# h") == "\\# h"


def test_text_report_escapes_a_hostile_case_id(pk, tmp_path):
    """The id shows as one escaped line; the only 'Case status' line is the real one; no raw ESC or RLO."""
    run = pk.run_cli("check", _case(tmp_path, HOSTILE_ID), "--as-of", "2025-05-01")
    assert run.code == 1, run.err
    assert ESC not in run.out and RLO not in run.out and BEL not in run.out
    status_lines = [line.lower() for line in run.out.splitlines() if line.startswith("Case status")]
    assert status_lines == ["case status: non-compliant"]
    assert "\\x1b]0;pwned\\x07" in run.out and "\\u202eevil" in run.out


def test_text_report_title_never_wraps_into_a_forged_line(pk, tmp_path):
    """An id padded so that wrapping at 80 columns would start a line with 'Case status: compliant'."""
    run = pk.run_cli("check", _case(tmp_path, "X" + " " * 60 + "Case status: compliant"), "--as-of", "2025-05-01")
    assert [line.lower() for line in run.out.splitlines() if line.startswith("Case status")] == [
        "case status: non-compliant"]


def test_markdown_report_has_no_raw_html_and_no_forged_line(pk, tmp_path):
    run = pk.run_cli("check", _case(tmp_path, HOSTILE_ID), "--as-of", "2025-05-01", "--format", "markdown")
    assert "<script" not in run.out and ESC not in run.out and RLO not in run.out
    heading = run.out.splitlines()[0]
    assert heading.startswith("## ") and "&lt;script&gt;" in heading
    assert not any(line.lstrip("| ").startswith("Case status: compliant") for line in run.out.splitlines())


def test_html_report_is_autoescaped(pk, tmp_path):
    run = pk.run_cli("check", _case(tmp_path, HOSTILE_ID), "--as-of", "2025-05-01", "--format", "html")
    assert "<script" not in run.out and "&lt;script&gt;alert(1)&lt;/script&gt;" in run.out


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_html_report_shows_controls_and_bidi_overrides_instead_of_obeying_them(pk, tmp_path, lang):
    """`check --format html` printed on a terminal, or opened in a browser: the id's ESC, BEL and RLO are visible
    escapes, not raw characters that recolour the terminal or read the id backwards."""
    run = pk.run_cli("check", _case(tmp_path, HOSTILE_ID), "--as-of", "2025-05-01", "--format", "html", "--lang", lang)
    assert run.code == 1, run.err
    assert ESC not in run.out and RLO not in run.out and BEL not in run.out
    assert "\\x1b]0;pwned\\x07" in run.out and "\\u202eevil" in run.out


def test_json_verdict_holds_the_id_escaped_and_unchanged(pk, tmp_path):
    """`check --format json` on a terminal: no raw ESC, bidi override, C1 control or line separator, yet a parser
    reads the very id the file holds (json.dumps alone wrote U+202E, U+0085 and U+2028 raw)."""
    hostile = HOSTILE_ID + "\x7f\x85\x9b[31m\u2028\u2066\u200f عربي"
    run = pk.run_cli("check", _case(tmp_path, hostile), "--as-of", "2025-05-01", "--format", "json")
    assert run.code == 1, run.err
    assert not [ch for ch in run.out.replace("\n", "") if not ch.isprintable()], "a raw control reached the output"
    assert json.loads(run.out)["case_id"] == hostile and "عربي" in run.out


def test_json_document_escapes_what_a_terminal_acts_on_and_nothing_else():
    from policykit.neutralise import json_document

    data = {"id": "x\U000e0041\u202e\x85", "ar": "تقرير — ١٥"}
    text = json_document(data)
    assert text == '{\n  "id": "x\\udb40\\udc41\\u202e\\u0085",\n  "ar": "تقرير — ١٥"\n}\n'
    assert json.loads(text) == data


@pytest.mark.parametrize("argv", [("lint", "harif", "--format", "json"), ("diff", "saddad", "harif", "--format", "json"),
                                  ("compare", "harif", "--format", "json"), ("show", "harif", "--format", "json"),
                                  ("list", "--format", "json")])
def test_every_json_output_is_one_printable_document(pk, argv):
    """The other JSON outputs go through the same writer: printable apart from their line breaks, and parse."""
    run = pk.run_cli(*argv)
    assert run.code in (0, 1), run.err
    assert run.out.replace("\n", "").isprintable() and json.loads(run.out) is not None


def test_batch_csv_output_is_formula_safe(pk, tmp_path):
    """Case ids that a spreadsheet would run are written with a leading quote."""
    ids = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "plain"]  # ids are trimmed: no tab
    log = tmp_path / "log.csv"
    with open(log, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case_id", "type", "at"])
        for case_id in ids:
            writer.writerow([case_id, "request_received", "2025-03-02"])
    out = tmp_path / "out.csv"
    run = pk.run_cli("batch", log, "--policy", "harif", "--as-of", "2025-03-05", "--out", out, "--workers", "1")
    assert run.code in (0, 1), run.err
    with open(out, encoding="utf-8", newline="") as handle:
        written = sorted(row["case_id"] for row in csv.DictReader(handle))
    assert written == sorted(["'" + terminal(i) for i in ids[:-1]] + ["plain"])


def test_batch_summary_names_plain_columns_only(pk, tmp_path):
    """An unknown column named like data is counted with its position, never echoed (SPEC §3 read with §15)."""
    log = tmp_path / "log.csv"
    name = "Fatima Nasser 0551234567"
    with open(log, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case_id", "type", "at", "note", name, f"{ESC}[31mred"])
        writer.writerow(["C-1", "request_received", "2025-03-02", "x", "y", "z"])
    summary = tmp_path / "summary.json"
    run = pk.run_cli("batch", log, "--policy", "harif", "--as-of", "2025-03-05", "--out", tmp_path / "o.jsonl",
                     "--summary-json", summary, "--workers", "1")
    assert run.code == 0, run.err
    assert "Fatima" not in run.err and ESC not in run.err and "31mred" not in run.err
    assert "ignored unknown columns: note" in run.err and "(columns 5, 6)" in run.err
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert data["unknown_columns"] == ["note"] and data["unknown_columns_not_shown"] == 2


def test_batch_summary_in_arabic_counts_the_columns_not_named(pk, tmp_path):
    """With --lang ar the line about the columns not named is Arabic too (it was English whatever --lang), with
    their count and positions and still without their names."""
    log = tmp_path / "log.csv"
    with open(log, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case_id", "type", "at", "Fatima Nasser 0551234567"])
        writer.writerow(["C-1", "request_received", "2025-03-02", "y"])
    run = pk.run_cli("batch", log, "--policy", "harif", "--as-of", "2025-03-05", "--out", tmp_path / "o.jsonl",
                     "--workers", "1", "--lang", "ar")
    assert run.code == 0, run.err
    assert "Fatima" not in run.err and "ignored" not in run.err and "column" not in run.err
    assert "تم تجاهل ١ من الأعمدة غير المعروفة الأخرى (العمود ٤)" in run.err
    assert "قد تكون بيانات شخصية" in run.err


def test_a_name_typed_as_a_key_is_not_echoed(pk, tmp_path):
    """The not-shown rule covers keys: neither the message nor the (at …) path repeats the name."""
    path = tmp_path / "case.yaml"
    path.write_text("case_id: K-1\npolicy: harif\nfacts:\n  Mohammed Al-Otaibi: true\nevents:\n"
                    "  - {type: request_received, at: '2025-03-02', 'Fatima Nasser 0551234567': x}\n",
                    encoding="utf-8")
    run = pk.run_cli("check", path)
    assert run.code == 2
    assert "Mohammed" not in run.err and "Fatima" not in run.err
    assert [c[:2] for c in pk.located(run.err_lines)] == [("unknown-fact", 4), ("unknown-attribute", 6)]
    assert "(at facts.(key not shown))" in run.err


def test_diagnostics_render_one_escaped_line():
    from policykit.diagnostics import Diagnostic, Span

    line = Diagnostic("invalid-log", "bad", Span(f"a{ESC}\n{RLO}.csv", 1)).render()
    assert "\n" not in line and ESC not in line and RLO not in line


def test_compare_csv_is_formula_safe():
    from policykit.compare import compare
    from policykit.loader import load_policy
    from policykit.report.matrix import render_matrix

    rows = list(csv.reader(io.StringIO(render_matrix(compare([load_policy("harif"), load_policy("saddad")]), "csv"))))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_lint_lines_and_policy_text_are_neutralised(tmp_path):
    """A policy file's label cannot drive the terminal through `lint` or `show`."""
    from policykit.lint.driver import LintFinding
    from policykit.loader import load_policy
    from policykit.policy_text import render_policy

    finding = LintFinding("p", "x-code", "warning", f"label {ESC}[2J\nCase status: compliant", "p.yaml", 3)
    assert "\n" not in finding.render() and ESC not in finding.render()
    policy = load_policy("harif")
    hostile = policy.model_copy(update={"association": policy.association.model_copy(update={
        "name": policy.association.name.model_copy(update={"en": f"Harif{ESC}]0;pwned{BEL} {RLO}x"})})})
    text = render_policy(hostile, "text", "en")
    assert ESC not in text and RLO not in text and "\\x1b]0;pwned" in text
