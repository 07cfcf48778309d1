"""Shared fixtures of the scale-out tests: a small log split across files, its batch verdicts, and `needed`,
which skips a test whose component is absent, except in CI (CI=true), where the absence is a failure."""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-01-01T00:00:00+03:00"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def needed(module: str):
    """Import `module`; skip with the reason when it is missing, but fail in CI."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if IN_CI:
            raise
        pytest.skip(f"{module} is not installed ({exc}); pip install '.[all]'")


def _loggen():
    spec = importlib.util.spec_from_file_location("loggen", ROOT / "bench" / "loggen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def split_log(tmp_path_factory):
    """(whole log file, directory of the same rows shuffled and split across three Parquet files with their
    line numbers in the whole file, batch's verdict table of the whole file)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from policykit.batch import run_batch

    base = tmp_path_factory.mktemp("split-log")
    table = _loggen().generate(2500, seed=7, shuffle=True)  # shuffled: each case is spread over every file
    whole = base / "log.parquet"
    pq.write_table(table, whole)
    parts = base / "parts"
    parts.mkdir()
    table = table.append_column("line", pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64)))
    size = -(-table.num_rows // 3)
    for i in range(3):
        pq.write_table(table.slice(i * size, size), parts / f"part-{i}.parquet", row_group_size=300)
    out = base / "verdicts.parquet"
    run_batch(whole, "harif", AS_OF, out=str(out), workers=1)
    return whole, parts, pq.read_table(out)


def same_rows(got, expected) -> None:
    """`got` holds batch's rows (`expected`, read from its Parquet file), in any order, in the engines' schema."""
    from policykit.batch.table import plain_schema

    want = expected.cast(plain_schema("Asia/Riyadh")).sort_by("case_id").to_pylist()
    have = got.cast(plain_schema("Asia/Riyadh")).sort_by("case_id").to_pylist()
    assert len(have) == len(want)
    assert have == want


def _pg_bin(name: str) -> str | None:
    import glob
    import shutil

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PgCluster:
    """A throwaway PostgreSQL cluster in a temp dir (initdb, pg_ctl), listening on a unix socket only.  As root,
    it runs as `nobody` (initdb refuses root)."""

    def __init__(self, initdb: str, pg_ctl: str) -> None:
        import tempfile

        self.pg_ctl = pg_ctl
        self.base = tempfile.mkdtemp(prefix="policykit-pg-")
        self.data, socket = os.path.join(self.base, "data"), os.path.join(self.base, "socket")
        os.mkdir(socket)
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            import pwd

            user = pwd.getpwnam("nobody")
            for path in (self.base, socket):
                os.chown(path, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "nobody", "--"]
        self._run(initdb, "-D", self.data, "-U", "policykit", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.options = f"-c listen_addresses='' -k {socket} -c max_connections=20 -c shared_buffers=16MB"
        self.url = f"postgresql://policykit@/postgres?host={socket}"
        self.start()

    def _run(self, *args: str):
        import subprocess

        return subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        import subprocess

        log = os.path.join(self.base, "server.log")
        try:
            self._run(self.pg_ctl, "-D", self.data, "-l", log, "-o", self.options, "-w", "-t", "60", "start")
        except subprocess.CalledProcessError:
            print(open(log, encoding="utf-8", errors="replace").read())
            raise

    def crash(self) -> None:
        """Stop the server as a crash would (immediate mode: no checkpoint; recovery replays the WAL)."""
        self._run(self.pg_ctl, "-D", self.data, "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        """Stop the server and delete its files."""
        import shutil
        import subprocess

        subprocess.run([*self.as_user, self.pg_ctl, "-D", self.data, "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    """The test cluster (PgCluster), stopped and removed at the end; skipped without PostgreSQL (not in CI)."""
    needed("psycopg")
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        if IN_CI:
            raise RuntimeError("PostgreSQL's initdb/pg_ctl are missing: .ci/run installs postgresql")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed (apt-get install postgresql)")
    cluster = PgCluster(initdb, pg_ctl)
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(scope="session")
def postgres_url(postgres):
    """The test cluster's URL."""
    return postgres.url
