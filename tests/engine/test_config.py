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
