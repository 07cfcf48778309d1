"""Evaluation settings — deadline reading and at-risk thresholds — from env vars or a policykit.toml file."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Mapping

from .diagnostics import PolicykitError, Span

READINGS = ("intended", "literal")
CONFIG_FILE = "policykit.toml"


@dataclass(frozen=True)
class AtRisk:
    """A pending action is at risk in the last `fraction` of its window or its last `working_days` working days."""

    fraction: float = 0.2
    working_days: int = 2


@dataclass(frozen=True)
class Settings:
    """What evaluation takes from configuration when a call does not say."""

    reading: str | None = None
    at_risk: AtRisk = field(default_factory=AtRisk)


def load_settings(environ: Mapping[str, str] | None = None, cwd: str | os.PathLike | None = None) -> Settings:
    """Settings from the config file (POLICYKIT_CONFIG, else ./policykit.toml), overridden by env vars."""
    env = os.environ if environ is None else environ
    values, where = _file_values(env, cwd)
    for key, var in (("reading", "POLICYKIT_READING"), ("fraction", "POLICYKIT_AT_RISK_FRACTION"),
                     ("working_days", "POLICYKIT_AT_RISK_WORKING_DAYS")):
        if env.get(var, "").strip():
            values[key] = env[var].strip()
            where[key] = var
    return _validated(values, where)


def config_path(environ: Mapping[str, str] | None = None, cwd: str | os.PathLike | None = None) -> FsPath:
    """The config file that `load_settings` reads (POLICYKIT_CONFIG, else ./policykit.toml), there or not."""
    env = os.environ if environ is None else environ
    named = env.get("POLICYKIT_CONFIG", "").strip()
    return FsPath(named) if named else FsPath(cwd or os.getcwd()) / CONFIG_FILE


def _file_values(env: Mapping[str, str], cwd: str | os.PathLike | None) -> tuple[dict, dict]:
    named = env.get("POLICYKIT_CONFIG", "").strip()
    path = config_path(env, cwd)
    if not os.path.lexists(path):
        if named:
            raise PolicykitError.single("file-not-found", "no such config file (POLICYKIT_CONFIG)", Span(named))
        return {}, {}
    import tomllib

    from .source import read_text

    # a config file that is there but cannot be read (permission, a directory, a FIFO) is an error, not ignored
    text = read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"at line (\d+), column (\d+)", str(exc))  # tomllib gives the position only in text
        line, col = (int(where[1]), int(where[2])) if where else (None, None)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise PolicykitError.single("syntax-error", f"malformed TOML: {message}", Span(str(path), line, col)) from None
    section = data.get("policykit", data)
    if not isinstance(section, dict):  # `policykit = 1`: not the [policykit] table
        raise PolicykitError.single("wrong-type", "'policykit' must be a table ([policykit])", Span(str(path)))
    values: dict = {}
    if "reading" in section:
        values["reading"] = section["reading"]
    risk = section.get("at_risk", {})
    if not isinstance(risk, dict):
        raise PolicykitError.single("wrong-type", "'at_risk' must be a table", Span(str(path)))
    for key in risk:
        if key not in ("fraction", "working_days"):
            raise PolicykitError.single("unknown-key", f"unknown key 'at_risk.{key}'", Span(str(path)))
        values[key] = risk[key]
    unknown = set(section) - {"reading", "at_risk"}
    if unknown:
        raise PolicykitError.single("unknown-key", f"unknown key '{sorted(unknown)[0]}'", Span(str(path)))
    return values, {k: str(path) for k in values}


def _validated(values: dict, where: dict) -> Settings:
    reading = values.get("reading")
    if reading is not None and reading not in READINGS:
        raise PolicykitError.single("invalid-value", f"reading '{reading}' is not one of intended, literal",
                                    Span(where["reading"]))
    defaults = AtRisk()
    fraction, days = values.get("fraction", defaults.fraction), values.get("working_days", defaults.working_days)
    try:
        fraction = _number(fraction)
        days = _number(days, whole=True)
    except (TypeError, ValueError):
        raise PolicykitError.single("invalid-value", "at_risk fraction must be a number and working_days an integer",
                                    Span(where.get("fraction") or where.get("working_days") or "<config>")) from None
    if not 0 <= fraction <= 1 or days < 0:
        raise PolicykitError.single("out-of-range", "at_risk fraction must be in [0, 1] and working_days >= 0",
                                    Span(where.get("fraction") or where.get("working_days") or "<config>"))
    return Settings(reading=reading, at_risk=AtRisk(fraction, days))


def _number(value: object, whole: bool = False) -> float | int:
    """A setting's number: from the file a TOML number (true is not 1, 2.7 days are not 2, inf is not a count),
    from the environment its text; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(value) if not isinstance(value, (int, float)) else value
    if whole:
        if isinstance(value, str):
            return int(value)
        if isinstance(number, float) and not number.is_integer():  # 2.7, inf, nan: not a count of days
            raise ValueError(value)
        return int(number)
    return float(number)
