"""Beneficiary data never leaves the case file: not in verdicts, reports, batch outputs, live results or errors."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from policykit import cli
from policykit.diagnostics import PolicykitError

NAME = "Fatimah Qahtani-Zahrani"
NAME_AR = "فاطمة القحطاني"
PHONE = "+966501234567"
PHONE_DIGITS = "966501234567"
NATIONAL_ID = "1098765432"
SECRETS = [NAME, NAME_AR, PHONE, PHONE_DIGITS, NATIONAL_ID, "Qahtani", "القحطاني", "98765"]

SUBJECT = f"""subject:
  name: "{NAME}"
  name_ar: "{NAME_AR}"
  phone: "{PHONE}"
  national_id: {NATIONAL_ID}
  household: [{{relation: daughter, name: "{NAME}"}}]
"""
CASE = f"""case_id: H-2025-0042
policy: harif
{SUBJECT}facts:
  association_caused_harm: true
events:
  - {{type: request_received, at: "2025-03-02T09:15:00+03:00", channel: interview, agreed_channel: phone}}
  - {{type: request_completed, at: "2025-03-04"}}
  - {{type: decision_notified, at: "2025-04-20T11:00", outcome: approved, channel: email}}
"""


def _cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(a) for a in args], out, err)
    return code, out.getvalue(), err.getvalue()


def _assert_clean(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"personal data {secret!r} leaked"


def _case(tmp_path: Path, text: str = CASE) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html"])
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_check_reports_carry_the_case_id_never_the_subject(tmp_path, fmt, lang):
    """Every format and language: the case id and event types are there, the subject is not."""
    code, out, err = _cli("check", _case(tmp_path), "--format", fmt, "--lang", lang, "--as-of", "2025-05-01")
    assert code == 1, err
    assert "H-2025-0042" in out
    _assert_clean(out, err)


def test_the_verdict_json_has_no_subject_field(tmp_path):
    """The verdict does not even hold an empty subject."""
    code, out, _ = _cli("check", _case(tmp_path), "--format", "json", "--as-of", "2025-05-01")
    verdict = json.loads(out)
    assert "subject" not in json.dumps(verdict)
    assert {e for f in verdict["findings"] for e in [f["rule"]]}


BAD_VALUES = [
    ("phone_as_channel", f"channel: {PHONE_DIGITS}", "wrong-type"),
    ("phone_string_as_channel", f'channel: "{PHONE}"', "unknown-channel"),
    ("name_as_outcome", f'outcome: "{NAME}"', "invalid-value"),
    ("name_as_time", f'at: "{NAME}"', "invalid-date"),
    ("id_as_time", f'at: "{NATIONAL_ID}"', "invalid-date"),
    ("personal_attribute", f'phone: "{PHONE}"', "unknown-attribute"),
    ("name_as_type", f'type: "{NAME}"', "unknown-event"),
]


@pytest.mark.parametrize("name,field,code", BAD_VALUES, ids=[b[0] for b in BAD_VALUES])
def test_errors_never_echo_personal_values(tmp_path, name, field, code):
    """A personal value typed into the wrong field: the error names the field, not the value."""
    key = field.split(":")[0]
    event = {"type": "decision_notified", "at": '"2025-04-20"', "outcome": "approved", "channel": "email"}
    event[key] = field.split(": ", 1)[1]
    body = ", ".join(f"{k}: {v}" for k, v in event.items())
    text = CASE.replace('  - {type: request_completed, at: "2025-03-04"}', "  - {" + body + "}")
    run_code, out, err = _cli("check", _case(tmp_path, text))
    assert run_code == 2
    assert f": {code}: " in err
    _assert_clean(out, err)


def test_errors_elsewhere_in_a_case_do_not_echo_its_subject(tmp_path):
    """Unknown top-level keys and bad facts beside a subject: only keys are named."""
    text = CASE.replace("facts:\n  association_caused_harm: true",
                        f'facts:\n  association_caused_harm: "{NAME}"\nname: "{NAME}"\nphone: {PHONE_DIGITS}')
    code, out, err = _cli("check", _case(tmp_path, text))
    assert code == 2 and "unknown-key" in err and "wrong-type" in err
    _assert_clean(out, err)


def test_broken_yaml_inside_the_subject_does_not_echo_it(tmp_path):
    """A duplicate key or a bad tag inside `subject` is located, never quoted."""
    for broken in (f'  phone: "{PHONE}"\n  phone: "{PHONE}"\n', f"  phone: !!int {PHONE_DIGITS}x\n",
                   f"  phone: !!python/name:{NAME_AR}\n"):
        text = CASE.replace(f'  phone: "{PHONE}"\n', broken)
        code, out, err = _cli("check", _case(tmp_path, text))
        assert code == 2 and err.count("\n") >= 1
        _assert_clean(out, err)


@pytest.mark.parametrize("broken", [
    f'  "{PHONE}": mobile\n  "{PHONE}": home\n',           # a duplicate key that is the personal value itself
    f"  {NAME}: 1\n  {NAME}: 2\n",
    f"  phone: !!python/name:{PHONE_DIGITS} x\n",            # a tag spelt with an ASCII personal value
    f"  phone: !{NATIONAL_ID} x\n",
    f"  name: &{NATIONAL_ID} x\n  again: *{PHONE_DIGITS}\n",  # an undefined alias
])
def test_keys_tags_and_aliases_inside_the_subject_are_never_quoted(tmp_path, broken):
    """A duplicate key, a refused tag or an undefined alias made of personal data is located, not quoted."""
    text = CASE.replace(f'  phone: "{PHONE}"\n', broken)
    code, out, err = _cli("check", _case(tmp_path, text))
    assert code == 2 and err.count("\n") == 1 and re.search(r"case\.yaml:\d+:\d+: [a-z-]+: ", err), err
    _assert_clean(out, err)


@pytest.mark.parametrize("value", [NAME, PHONE, NAME_AR])
def test_a_personal_value_typed_as_the_policy_is_not_quoted(tmp_path, value):
    """`policy: <a name>` is unknown-policy, located, the value withheld; a mistyped id is still named."""
    code, out, err = _cli("check", _case(tmp_path, f'case_id: A\npolicy: "{value}"\nevents: []\n'))
    assert code == 2 and "case.yaml:2:1: unknown-policy:" in err, err
    _assert_clean(out, err)
    code, _, err = _cli("check", _case(tmp_path, "case_id: A\npolicy: harifff\nevents: []\n"))
    assert "no bundled policy 'harifff'" in err and "did you mean 'harif'?" in err


def test_id_like_keys_and_yaml_tags_are_still_named(tmp_path):
    """What is not personal stays in the message: a duplicated `case_id`, YAML's python tag."""
    code, _, err = _cli("check", _case(tmp_path, "case_id: A\ncase_id: B\npolicy: harif\nevents: []\n"))
    assert code == 2 and "key 'case_id' appears twice" in err
    code, _, err = _cli("check", _case(tmp_path, "case_id: !!python/object/apply:os.system [x]\n"))
    assert code == 2 and "tag 'tag:yaml.org,2002:python/object/apply:os.system'" in err


def test_policykit_error_text_has_no_subject(tmp_path):
    """The Python API's exception text is as clean as the command line's."""
    from policykit.case import load_case

    text = CASE.replace("channel: interview", f'channel: "{PHONE}"')
    with pytest.raises(PolicykitError) as info:
        load_case(_case(tmp_path, text))
    _assert_clean(str(info.value), repr(info.value.diagnostics))


def test_batch_outputs_rejects_and_summary_are_clean(tmp_path):
    """Personal columns are ignored by name; no value reaches verdicts, rejects or the summary."""
    pytest.importorskip("pyarrow")
    log = tmp_path / "log.csv"
    log.write_text(
        "case_id,type,at,channel,agreed_channel,outcome,name,phone,national_id\n"
        f"H-1,request_received,2025-03-02T09:00:00+03:00,interview,phone,,{NAME},{PHONE},{NATIONAL_ID}\n"
        f"H-1,request_completed,2025-03-04,,,,{NAME},{PHONE},{NATIONAL_ID}\n"
        f"H-1,decision_notified,2025-04-20,phone,,approved,{NAME},{PHONE},{NATIONAL_ID}\n"
        f"H-2,request_received,{NAME},interview,,,{NAME},{PHONE},{NATIONAL_ID}\n"
        f"H-2,request_received,2025-03-02,{PHONE},,,{NAME},{PHONE},{NATIONAL_ID}\n"
        f"H-3,decision_notified,2025-03-02,phone,,{NAME},{NAME},{PHONE},{NATIONAL_ID}\n"
        f"H-4,{NAME_AR},2025-03-02,phone,,,{NAME},{PHONE},{NATIONAL_ID}\n",
        encoding="utf-8")
    out = tmp_path / "out.jsonl"
    rejects = tmp_path / "rejects.csv"
    summary = tmp_path / "summary.json"
    code, stdout, stderr = _cli("batch", log, "--policy", "harif", "--as-of", "2025-06-01", "--out", out,
                                "--rejects", rejects, "--summary-json", summary, "--workers", "1")
    assert code in (1, 2), stderr
    produced = [out.read_text(encoding="utf-8"), rejects.read_text(encoding="utf-8"),
                summary.read_text(encoding="utf-8"), stdout, stderr]
    assert "H-1" in produced[0] and len(rejects.read_text(encoding="utf-8").splitlines()) == 1 + 4
    assert "national_id" in stderr + produced[2]  # the ignored column is named, its values are not
    _assert_clean(*produced)


def test_live_results_and_errors_are_clean():
    """Live changes and verdicts carry ids only; a personal value posted by mistake is not echoed."""
    pytest.importorskip("durable")
    from policykit.live import LiveSession

    session = LiveSession("harif", now="2025-03-02T00:00:00+03:00")  # within a day of the event (the tolerance)
    change = session.post("H-9", {"id": "e1", "type": "request_received", "at": "2025-03-02T09:00:00+03:00",
                                  "channel": "interview"})
    texts = [json.dumps(change.to_dict(), default=str), session.verdict("H-9").model_dump_json()]
    for bad in ({"type": "request_completed", "at": "2025-03-02T12:00", "phone": PHONE},
                {"type": "request_completed", "at": NAME},
                {"type": "decision_notified", "at": "2025-03-02T13:00", "channel": PHONE}):
        with pytest.raises(PolicykitError) as info:
            session.post("H-9", bad)
        texts.append(str(info.value))
    _assert_clean(*texts)
    session.shutdown()
