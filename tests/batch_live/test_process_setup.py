"""A batch run's processes: the CLI's batch process and the pool's workers never import pandas (pyarrow would,
on its first conversion: half a second each) and take Arrow's buffers from the C heap; a process that is more
than a batch run is left alone."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import runpy, sys
sys.argv = ["policykit", "batch", sys.argv[1], "--policy", "harif", "--as-of", "2025-09-01", "--out", sys.argv[2],
            "--workers", "2"]
try:
    runpy.run_module("policykit", run_name="__main__")
except SystemExit:
    pass
print("pandas" in sys.modules)
import pyarrow as pa
print(pa.default_memory_pool().backend_name)
"""

WORKER = """
import sys
from policykit.batch.process_setup import worker_init
worker_init()
import numpy as np, pyarrow as pa, pyarrow.compute as pc
pc.dictionary_encode(pa.array(["a", "b"])).indices.to_numpy()
pa.table({"x": np.arange(3)}).to_pylist()
print("pandas" in sys.modules, pa.default_memory_pool().backend_name)
"""


def test_the_batch_command_does_not_import_pandas(tmp_path, loggen):
    log = tmp_path / "log.parquet"
    loggen.write(loggen.generate(600, "harif", seed=2), log)
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(log), str(tmp_path / "v.parquet")],
                         capture_output=True, text=True, timeout=300)
    assert run.stdout.strip().splitlines()[-2:] == ["False", "system"], run.stderr
    assert (tmp_path / "v.parquet").is_file()


def test_a_worker_converts_without_pandas():
    run = subprocess.run([sys.executable, "-c", WORKER], capture_output=True, text=True, timeout=120)
    assert run.stdout.strip() == "False system", run.stderr


def test_the_library_call_leaves_pandas_importable(tmp_path, loggen):
    """`cli.main` inside another program (a test, a notebook) does not block pandas there, nor change its Arrow
    memory pool."""
    code = f"""
import sys
import pyarrow as pa
before = pa.default_memory_pool().backend_name
from policykit.cli import main
main(["batch", {str(tmp_path / 'log.parquet')!r}, "--policy", "harif", "--as-of", "2025-09-01",
      "--out", {str(tmp_path / 'v.parquet')!r}])
import pandas
assert pa.default_memory_pool().backend_name == before
print("ok")
"""
    loggen.write(loggen.generate(300, "harif", seed=3), tmp_path / "log.parquet")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.stdout.strip().endswith("ok"), run.stderr
