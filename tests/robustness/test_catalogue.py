"""The catalogue of bad input: every kind answered with its exact code and location, one line each, exit 2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

INVALID = Path(__file__).resolve().parents[1] / "fixtures" / "invalid"
POLICY_FIXTURES = sorted(p for p in (INVALID / "policies").glob("*.yaml") if not p.name.startswith("_"))
CASE_FIXTURES = sorted((INVALID / "cases").glob("*.yaml"))
VALID_CASE = """case_id: C-1
policy: harif
subject: {name: Sample Person}
events:
  - {type: request_received, at: "2025-03-02T09:15:00+03:00", channel: interview}
  - {type: request_completed, at: "2025-03-04"}
"""


def _case_for(policy: Path, tmp_path: Path, monkeypatch) -> Path:
    """A case naming `policy` by a relative path, found through POLICYKIT_POLICY_PATH (SPEC §15)."""
    monkeypatch.setenv("POLICYKIT_POLICY_PATH", str(policy.parent))
    case = tmp_path / "case.yaml"
    case.write_text(f"case_id: C-1\npolicy: {policy.name}\nevents: []\n", encoding="utf-8")
    return case


def test_the_fixture_base_is_valid(pk, tmp_path, monkeypatch):
    """The policy every invalid fixture is derived from loads: each fixture fails for its own defect only."""
    case = _case_for(INVALID / "policies" / "_valid.yaml", tmp_path, monkeypatch)
    run = pk.run_cli("check", case, "--format", "json", "--as-of", "2025-06-01")
    assert run.code == 0, run.err


def test_every_fixture_declares_what_it_expects():
    """No fixture without an expectation (it would pass vacuously)."""
    assert len(POLICY_FIXTURES) >= 15 and len(CASE_FIXTURES) >= 15
    for path in [*POLICY_FIXTURES, *CASE_FIXTURES]:
        assert re.search(r"^# expect: ", path.read_text(encoding="utf-8"), re.M), path


@pytest.mark.parametrize("path", POLICY_FIXTURES, ids=lambda p: p.stem)
def test_invalid_policy_fixture(pk, path, tmp_path, monkeypatch):
    """Each invalid policy: exit 2, one line per problem naming the policy file, exact code and position."""
    run = pk.run_cli("check", _case_for(path, tmp_path, monkeypatch), "--as-of", "2025-06-01")
    assert run.code == 2
    assert "Traceback" not in run.err and run.out == ""
    assert pk.located(run.err_lines) == pk.expectations(path)
    assert all(line.startswith(f"{path}:") for line in run.err_lines)


@pytest.mark.parametrize("path", CASE_FIXTURES, ids=lambda p: p.stem)
def test_invalid_case_fixture(pk, path):
    """Each invalid case: exit 2, one line per problem, exact code and position."""
    run = pk.run_cli("check", path, "--as-of", "2025-06-01")
    assert run.code == 2
    assert "Traceback" not in run.err and run.out == ""
    assert pk.located(run.err_lines) == pk.expectations(path)


def test_a_case_whose_policy_does_not_resolve_names_the_policy_file(pk, tmp_path, monkeypatch):
    """The error is located in the policy file, where the fix belongs."""
    run = pk.run_cli("check", _case_for(INVALID / "policies" / "unknown_event.yaml", tmp_path, monkeypatch))
    assert run.err_lines[0].startswith(str((INVALID / "policies" / "unknown_event.yaml").resolve()))


def test_python_tags_are_never_executed(pk, tmp_path, monkeypatch):
    """`!!python/object/apply:os.system` is refused, and the command it names never runs."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "case.yaml"
    path.write_text((INVALID / "cases" / "forbidden_tag.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert pk.run_cli("check", path).code == 2
    assert not (tmp_path / "policykit-pwned").exists()


# --- byte-level inputs: (name, bytes, expected code, line, col) -------------------------------------------

BYTE_CASES = [
    ("empty", b"", "empty-file", 1, 1),
    ("only_whitespace", b"   \n\n  \t\n", "empty-file", 1, 1),
    ("only_comments", b"# nothing here\n# still nothing\n", "empty-file", 1, 1),
    ("nul_bytes", b"case_id: C-1\nevents: \x00\x01\x02", "binary-file", 2, 9),
    ("zip_garbage", b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "binary-file", 1, 6),
    ("invalid_utf8", b"case_id: C-1\npolicy: \xff\xfeharif\n", "invalid-utf8", 2, 9),
    ("latin1_text", "case_id: C-1\npolicy: harif\nsubject: {name: Jos\xe9}\n".encode("latin-1"), "invalid-utf8", 3, 20),
    ("utf16", VALID_CASE.encode("utf-16"), "invalid-utf8", 1, 1),
    ("malformed_yaml", b"case_id: C-1\nevents:\n  - {type: request_received, at: 2025-03-02\npolicy: harif\n",
     "syntax-error", 4, 7),
    ("malformed_json", b'{"case_id": "C-1", "policy": "harif", "events": [}', "syntax-error", 1, 50),
    ("two_documents", b"case_id: C-1\n---\ncase_id: C-2\n", "syntax-error", 2, 1),
    ("undefined_alias", b"case_id: *nothing\n", "syntax-error", 1, 10),
    ("deep_flow_nesting", b"[" * 100_000, "too-deep", 1, 65),
    ("deep_block_nesting", b"- " * 100_000, "too-deep", 1, 129),
    ("deep_json_nesting", b'{"a":' * 50_000, "too-deep", 1, 321),
    ("merge_key", b"base: &b {case_id: C-1}\ncase:\n  <<: *b\n", "forbidden-tag", 3, 3),
    ("list_as_key", b"? [a, b]\n: 1\n", "invalid-key", 1, 3),
    ("set_tag", b"case_id: !!set {a, b}\n", "forbidden-tag", 1, 10),
    # a control character YAML refuses is located like any other syntax error (it was `file: …, position N`)
    ("bell_in_value", b"case_id: C-1\x07\npolicy: harif\nevents: []\n", "syntax-error", 1, 13),
    ("escape_in_comment", b"case_id: C-1\npolicy: harif\nevents: []\n# \x1b[31m\n", "syntax-error", 4, 3),
    ("escape_after_arabic", "case_id: \u062d-1\npolicy: \"\u062d\x1b\"\n".encode(), "syntax-error", 2, 11),
    ("escape_in_json", b'{"case_id": "C\x1b1", "policy": "harif", "events": []}', "syntax-error", 1, 15),
    ("non_character", "case_id: C\ufffe1\n".encode(), "syntax-error", 1, 11),
]


@pytest.mark.parametrize("name,content,code,line,col", BYTE_CASES, ids=[c[0] for c in BYTE_CASES])
def test_byte_level_input(pk, case_file, name, content, code, line, col):
    """Broken bytes: one line, exact code and position, exit 2."""
    path = case_file(content)
    run = pk.run_cli("check", path)
    assert run.code == 2, run.err
    assert len(run.err_lines) == 1, run.err
    assert pk.located(run.err_lines) == [(code, line, col)]
    assert run.err_lines[0].startswith(f"{path}:")


def test_binary_tag_is_read_as_text_not_bytes(pk, case_file):
    """`!!binary` stays text: case_id is then a string, so the case is judged rather than crashing."""
    run = pk.run_cli("check", case_file(b"case_id: !!binary aGVsbG8=\npolicy: harif\nevents: []\n"),
                     "--as-of", "2025-06-01")
    assert run.code == 0, run.err


@pytest.mark.parametrize("variant", ["bom", "crlf", "bom_crlf"])
def test_bom_and_crlf_are_accepted(pk, case_file, variant):
    """A BOM and Windows line ends change nothing: same verdict as the plain file."""
    text = VALID_CASE.replace("\n", "\r\n") if "crlf" in variant else VALID_CASE
    raw = ("\ufeff" + text if "bom" in variant else text).encode("utf-8")
    plain = pk.run_cli("check", case_file(VALID_CASE, "plain.yaml"), "--format", "json", "--as-of", "2025-06-01")
    run = pk.run_cli("check", case_file(raw), "--format", "json", "--as-of", "2025-06-01")
    assert run.code == plain.code != 2, run.err
    assert run.out.replace(str(case_file(raw)), "X") == plain.out.replace(str(case_file(VALID_CASE, "plain.yaml")), "X")


def test_crlf_keeps_line_numbers(pk, case_file):
    """Positions in a CRLF file are the lines a Windows editor shows."""
    text = VALID_CASE.replace("channel: interview", "channel: pigeon").replace("\n", "\r\n")
    run = pk.run_cli("check", case_file(text))
    assert [c[:2] for c in pk.located(run.err_lines)] == [("unknown-channel", 5)]


def test_missing_file(pk, tmp_path):
    """A path that does not exist: file-not-found naming the path."""
    run = pk.run_cli("check", tmp_path / "nope.yaml")
    assert run.code == 2 and run.err_lines == [f"{tmp_path / 'nope.yaml'}: file-not-found: no such file"]


def test_directory_instead_of_file(pk, tmp_path):
    """A directory where a file is expected: file-not-found, not a traceback."""
    run = pk.run_cli("check", tmp_path)
    assert run.code == 2 and run.err_lines[0].startswith(f"{tmp_path}: file-not-found:")


def test_usage_error_is_one_line(pk):
    """A bad option is a usage error: one line, exit 2."""
    run = pk.run_cli("check", "--format", "pdf", "x.yaml")
    assert run.code == 2 and len(run.err_lines) == 1 and run.err_lines[0].startswith("usage: ")


def test_every_problem_is_reported_sorted_by_position(pk, case_file):
    """Several problems in one case: all of them, in file order, not just the first."""
    text = ("case_id: C-1\npolicy: harif\nfacts: {harm: true}\nevents:\n"
            "  - {type: request_recieved, at: \"2025-03-02\"}\n"
            "  - {type: decision_notified, at: \"1446-09-30H\", outcome: maybe}\n")
    run = pk.run_cli("check", case_file(text))
    codes = [c for c, _, _ in pk.located(run.err_lines)]
    assert codes == ["unknown-fact", "unknown-event", "invalid-date", "invalid-value"]
    lines = [line for _, line, _ in pk.located(run.err_lines)]
    assert lines == sorted(lines)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_problem_has_its_own_line(pk, case_file, lang):
    """Sixty mistyped events: sixty located lines, in file order, none summed up as '… and N more'."""
    events = "".join(f'  - {{type: request_recieved_{i}, at: "2025-03-02"}}\n' for i in range(60))
    path = case_file(f"case_id: C-1\npolicy: harif\nevents:\n{events}")
    run = pk.run_cli("check", path, "--lang", lang)
    assert run.code == 2
    assert [line for _, line, _ in pk.located(run.err_lines)] == list(range(4, 64)), run.err
