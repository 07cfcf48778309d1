"""Case files: vocabulary checked against the policy, every error located, subject never kept."""

import json
from pathlib import Path

import pytest

from policykit.case import case_from_data, load_case
from policykit.diagnostics import PolicykitError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "policies"


@pytest.fixture(autouse=True)
def _fixture_policies(monkeypatch):
    """Cases here name the fixture policies by relative path, found through POLICYKIT_POLICY_PATH (SPEC §15)."""
    monkeypatch.setenv("POLICYKIT_POLICY_PATH", str(FIXTURES))


def write(tmp_path, text, name="case.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(path, policy=None):
    with pytest.raises(PolicykitError) as caught:
        load_case(path, policy)
    return caught.value.diagnostics


GOOD = f"""case_id: C-1
policy: mini.yaml
events:
  - {{type: request_received, at: "2025-03-02T09:15:00+03:00", channel: interview}}
"""


def test_loads_and_resolves_policy(tmp_path):
    case = load_case(write(tmp_path, GOOD))
    assert case.case_id == "C-1" and case.policy.id == "mini" and len(case.events) == 1


def test_relative_policy_path_is_read_next_to_the_case(tmp_path):
    (tmp_path / "p.yaml").write_text((FIXTURES / "mini.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    case = load_case(write(tmp_path, "case_id: C\npolicy: p.yaml\nevents: []\n"))
    assert case.policy.id == "mini"


def test_override_policy_wins(tmp_path, mini_four):
    case = load_case(write(tmp_path, GOOD), mini_four)
    assert case.policy.id == "mini_four"


@pytest.mark.parametrize(("line", "code", "where"), [
    ('  - {type: request_recieved, at: "2025-03-02"}', "unknown-event", (5, 6)),
    ('  - {type: request_received, at: "2025-03-02", channel: whatsapp}', "unknown-channel", (5, 48)),
    ('  - {type: request_received, at: "2025-03-02", chanel: phone}', "unknown-attribute", (5, 48)),
    ('  - {type: decision_notified, at: "2025-03-02", outcome: maybe}', "invalid-value", (5, 49)),
    ('  - {type: request_completed, at: "1446-09-30H"}', "invalid-date", (5, 31)),
    ('  - {type: request_completed, at: "2025-13-01"}', "invalid-date", (5, 31)),
    ('  - {type: request_completed}', "missing-key", (5, 5)),
    ('  - {type: request_completed, at: "2025-03-02", outcome: approved}', "unknown-attribute", (5, 49)),
])
def test_event_errors_are_located(tmp_path, line, code, where):
    diags = errors_of(write(tmp_path, GOOD + line + "\n"))
    assert diags[0].code == code, diags[0].render()
    assert (diags[0].span.line, diags[0].span.col) == where, diags[0].render()
    assert diags[0].span.file.endswith("case.yaml")


def test_unknown_top_level_key_and_fact(tmp_path):
    diags = errors_of(write(tmp_path, GOOD + "facts:\n  harm_done: true\nnotes: x\n"))
    codes = {(d.code, d.span.line) for d in diags}
    assert ("unknown-fact", 6) in codes and ("unknown-key", 7) in codes


def test_fact_must_be_boolean(tmp_path):
    diags = errors_of(write(tmp_path, GOOD + "facts:\n  association_caused_harm: yes please\n"))
    assert diags[0].code == "wrong-type" and diags[0].span.line == 6


def test_unknown_bundled_policy_is_located(tmp_path):
    diags = errors_of(write(tmp_path, "case_id: C\npolicy: harrif\nevents: []\n"))
    assert diags[0].code == "unknown-policy" and diags[0].span.line == 2


def test_missing_policy(tmp_path):
    assert errors_of(write(tmp_path, "case_id: C\nevents: []\n"))[0].code == "missing-key"


def test_all_problems_reported_at_once(tmp_path):
    text = GOOD + '  - {type: nope, at: "x"}\n  - {type: request_completed, at: "2025-02-30"}\n'
    diags = errors_of(write(tmp_path, text))
    assert [d.span.line for d in diags] == [5, 5, 6]


def test_json_case(tmp_path):
    data = {"case_id": "J-1", "policy": "mini.yaml",
            "events": [{"type": "request_received", "at": "2025-03-02", "channel": "phone"}]}
    assert load_case(write(tmp_path, json.dumps(data), "case.json")).events[0].get("channel") == "phone"


def test_events_sorted_stably(mini):
    case = case_from_data({"case_id": "S", "events": [
        {"type": "decision_notified", "at": "2025-03-05"},
        {"type": "data_verified", "at": "2025-03-04T12:00:00+03:00"},
        {"type": "referred_to_committee", "at": "2025-03-04T09:00:00Z"},  # same instant as the next
        {"type": "declaration_signed", "at": "2025-03-04T12:00"},
    ]}, mini)
    assert [e.index for e in case.events] == [1, 2, 3, 0]


def test_subject_is_never_kept(tmp_path):
    path = write(tmp_path, GOOD + "subject: {name: Secret Name, national_id: '1234567890'}\n")
    case = load_case(path)
    assert "Secret" not in repr(case) and "1234567890" not in repr(case)


def test_subject_not_echoed_in_errors(tmp_path):
    text = GOOD + "subject: {name: Secret Name}\n  - {type: bad}\n"
    with pytest.raises(PolicykitError) as caught:
        load_case(write(tmp_path, text))
    assert "Secret" not in caught.value.render()


def test_subject_must_be_a_mapping_and_is_not_echoed(tmp_path):
    diags = errors_of(write(tmp_path, GOOD + "subject: Secret Name 0500000000\n"))
    assert diags[0].code == "wrong-type" and diags[0].span.line == 5
    assert "Secret" not in diags[0].render() and "0500000000" not in diags[0].render()
