"""Coverage-guided (atheris) fuzz target for the policy, case and batch-log readers: only PolicykitError may escape.

Run (CORPUS_DIR is writable and grows; seeds and regressions are read only):
    python fuzz/fuzz_loaders.py -max_total_time=60 -timeout=10 -rss_limit_mb=2048 -dict=fuzz/loaders.dict \
        CORPUS_DIR fuzz/seeds fuzz/regressions
The first input byte picks the reader (odd: case file; modulo 8, 0: policy file, 2: CSV log, 4: JSONL log,
6: XES log — `LOG_KINDS`); the rest is the file's bytes. A log is run through the whole `batch` pipeline.
A crash is written as crash-<sha1> (see -artifact_prefix); copy it to fuzz/regressions/ once fixed, where
tests/robustness/test_fuzz_regressions.py replays it on every test run.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile

import atheris

with atheris.instrument_imports(include=["policykit", "dateutil", "hijridate"]):
    # instrumented for coverage feedback, including the modules the loader imports lazily
    import policykit.checks  # noqa: F401
    import policykit.salvage  # noqa: F401
    import policykit.source  # noqa: F401
    import policykit.validation  # noqa: F401
    from policykit.diagnostics import PolicykitError
    from policykit.loader import load_policy_file

_WORKDIR = tempfile.mkdtemp(prefix="policykit-fuzz-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
_AS_OF = dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=3)))


def _load_case_api() -> tuple | None:
    """The case loader and engine, when the package has them."""
    try:
        with atheris.instrument_imports(include=["policykit"]):
            from policykit.case import load_case
            from policykit.engine import evaluate
            from policykit.loader import load_policy
            from policykit.verdict import Verdict
        return load_case, load_policy, evaluate, Verdict
    except ImportError:
        return None


_CASE_API = _load_case_api()
LOG_KINDS = {2: "csv", 4: "jsonl", 6: "xes"}  # first byte modulo 8 -> log format (Parquet is pyarrow's to fuzz)


def _load_batch_api():
    """The batch runner, when pyarrow is installed."""
    try:
        with atheris.instrument_imports(include=["policykit"]):
            import policykit.batch.csvlines  # noqa: F401
            import policykit.batch.normalize  # noqa: F401
            import policykit.batch.readers  # noqa: F401
            import policykit.batch.timestamps  # noqa: F401
            import policykit.batch.xes  # noqa: F401
            from policykit.batch.runner import run_batch
        return run_batch
    except ImportError:
        return None


_BATCH_API = _load_batch_api()


def _write(data: bytes, name: str) -> str:
    path = os.path.join(_WORKDIR, name)
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def fuzz_policy(data: bytes) -> None:
    """Feed bytes to the policy loader."""
    try:
        load_policy_file(_write(data, "policy.yaml"))
    except PolicykitError as exc:
        _check_error(exc)


def fuzz_case(data: bytes) -> None:
    """Feed bytes to the case loader, then evaluate whatever loads against its policy."""
    if _CASE_API is None:
        return fuzz_policy(data)
    load_case, load_policy, evaluate, verdict_type = _CASE_API
    try:
        case = load_case(_write(data, "case.yaml"))
        policy = load_policy(case.policy) if isinstance(case.policy, str) else case.policy
        assert isinstance(evaluate(policy, case, _AS_OF), verdict_type)
    except PolicykitError as exc:
        _check_error(exc)


def fuzz_log(data: bytes, kind: str) -> None:
    """Feed bytes to `batch` as a log of `kind`: rows are judged or rejected, the log is read or refused."""
    if _BATCH_API is None:
        return fuzz_policy(data)
    import io

    out = os.path.join(_WORKDIR, "out.jsonl")
    try:
        summary = _BATCH_API(_write(data, f"log.{kind}"), "harif", _AS_OF, out=out, workers=1,
                             rejects_path=os.path.join(_WORKDIR, "rejects.csv"), stdout=io.StringIO())
        assert all(line.isprintable() for line in summary.render().splitlines()), "summary lines are neutralised"
    except PolicykitError as exc:
        _check_error(exc)


def _check_error(exc: PolicykitError) -> None:
    assert exc.diagnostics, "a PolicykitError must carry at least one diagnostic"
    for diagnostic in exc.diagnostics:
        assert "\n" not in diagnostic.render(), "a diagnostic must render on one line"


def one_input(data: bytes) -> None:
    """libFuzzer entry point."""
    if not data:
        return
    if data[0] % 2:
        fuzz_case(data[1:])
    elif data[0] % 8 in LOG_KINDS:
        fuzz_log(data[1:], LOG_KINDS[data[0] % 8])
    else:
        fuzz_policy(data[1:])


def main() -> None:
    """Start libFuzzer with the command-line options."""
    sys.setrecursionlimit(5000)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
