"""Settings from policykit.toml and environment variables."""

import pytest

from policykit.config import AtRisk, load_settings
from policykit.diagnostics import PolicykitError


def test_defaults(tmp_path):
    settings = load_settings({}, tmp_path)
    assert settings.reading is None and settings.at_risk == AtRisk(0.2, 2)


def test_file_then_env(tmp_path):
    (tmp_path / "policykit.toml").write_text('reading = "literal"\n[at_risk]\nfraction = 0.5\nworking_days = 3\n')
    settings = load_settings({}, tmp_path)
    assert settings.reading == "literal" and settings.at_risk == AtRisk(0.5, 3)
    env = {"POLICYKIT_READING": "intended", "POLICYKIT_AT_RISK_WORKING_DAYS": "1"}
    settings = load_settings(env, tmp_path)
    assert settings.reading == "intended" and settings.at_risk == AtRisk(0.5, 1)


def test_named_config_file(tmp_path):
    path = tmp_path / "other.toml"
    path.write_text('[policykit]\nreading = "literal"\n')
    assert load_settings({"POLICYKIT_CONFIG": str(path)}, tmp_path / "elsewhere").reading == "literal"
    with pytest.raises(PolicykitError):
        load_settings({"POLICYKIT_CONFIG": str(tmp_path / "missing.toml")})


@pytest.mark.parametrize(("env", "code"), [
    ({"POLICYKIT_READING": "loose"}, "invalid-value"),
    ({"POLICYKIT_AT_RISK_FRACTION": "lots"}, "invalid-value"),
    ({"POLICYKIT_AT_RISK_FRACTION": "1.5"}, "out-of-range"),
])
def test_bad_values(tmp_path, env, code):
    with pytest.raises(PolicykitError) as caught:
        load_settings(env, tmp_path)
    assert caught.value.first.code == code


def test_bad_toml_is_located(tmp_path):
    (tmp_path / "policykit.toml").write_text('reading = \n')
    with pytest.raises(PolicykitError) as caught:
        load_settings({}, tmp_path)
    assert caught.value.first.code == "syntax-error" and caught.value.first.span.line == 1


def test_unknown_key(tmp_path):
    (tmp_path / "policykit.toml").write_text('readng = "literal"\n')
    with pytest.raises(PolicykitError):
        load_settings({}, tmp_path)


@pytest.mark.parametrize("text, code", [
    ("policykit = 1\n", "wrong-type"),  # was an internal error (TypeError), exit 70
    ("[policykit]\nat_risk = {working_days = inf}\n", "invalid-value"),  # was OverflowError, exit 70
    ("[policykit]\nat_risk = {working_days = 2.7}\n", "invalid-value"),  # was taken as 2 days
    ("[policykit]\nat_risk = {fraction = true}\n", "invalid-value"),  # was taken as 1.0
    ("[policykit]\nat_risk = {working_days = false}\n", "invalid-value"),  # was taken as 0 days
])
def test_a_bad_setting_is_one_located_line_with_exit_2(tmp_path, text, code):
    """policykit.toml is read by every command: `check` in a folder holding one of these ended in an internal error
    or judged with a number nobody wrote."""
    import io

    from policykit.cli import main

    (tmp_path / "policykit.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PolicykitError) as caught:
        load_settings({}, tmp_path)
    assert caught.value.first.code == code
    case = tmp_path / "case.yaml"
    case.write_text("case_id: C1\npolicy: harif\nevents: []\n", encoding="utf-8")
    err = io.StringIO()
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(["check", str(case), "--as-of", "2025-05-01"], io.StringIO(), err) == 2
    finally:
        os.chdir(cwd)
    assert err.getvalue() == f"{tmp_path / 'policykit.toml'}: {code}: {caught.value.first.message}\n"


def test_whole_numbers_of_days_are_taken(tmp_path):
    (tmp_path / "policykit.toml").write_text("[at_risk]\nworking_days = 3.0\nfraction = 0\n", encoding="utf-8")
    assert load_settings({}, tmp_path).at_risk == AtRisk(0.0, 3)
    assert load_settings({"POLICYKIT_AT_RISK_WORKING_DAYS": "4"}, tmp_path).at_risk == AtRisk(0.0, 4)
