"""policykit.spark.judge on a real local[2] Spark: batch's rows for a log whose cases span files and partitions.
One Spark session for the module (~5 s to start, about 15 s for the module in all)."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

from .conftest import AS_OF, IN_CI, LIMITS, POLICIES, batch_refusal, configured_batch, needed, same_rows


@pytest.fixture(scope="module")
def spark():
    needed("pyspark")
    if shutil.which("java") is None:
        if IN_CI:
            raise RuntimeError("no java on PATH: .ci/run installs default-jre-headless")
        pytest.skip("Spark needs Java (apt-get install default-jre-headless)")
    from pyspark.sql import SparkSession

    # spark.pyspark.python alone was not honoured by every worker: run without the virtual environment on PATH
    # (`venv/bin/python -m pytest`), the Arrow UDFs' workers started PATH's python3, which has no pyarrow
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (SparkSession.builder.master("local[2]").appName("policykit-tests")
               .config("spark.sql.shuffle.partitions", "3").config("spark.ui.enabled", "false")
               .config("spark.driver.memory", "512m")
               # the workers run this interpreter (the one with policykit and pyarrow), whatever is first on PATH
               .config("spark.pyspark.python", sys.executable).getOrCreate())
    yield session
    session.stop()


def test_verdicts_equal_batch_on_a_log_split_across_files(spark, split_log):
    from policykit.spark import judge

    _, parts, expected = split_log
    df = spark.read.parquet(str(parts))
    assert df.rdd.getNumPartitions() >= 2
    verdicts = judge(df, "harif", AS_OF)
    assert verdicts.columns[:2] == ["case_id", "status"]
    same_rows(verdicts.toArrow(), expected)


def test_without_a_line_column_and_with_many_buckets(spark, split_log):
    from policykit.spark import judge

    whole, _, expected = split_log
    df = spark.read.parquet(str(whole)).repartition(4)  # no line numbers: Spark's reading order (no ties here)
    same_rows(judge(df, "harif", AS_OF, buckets=7).toArrow(), expected)


def test_a_log_without_a_required_column_or_not_spark_is_refused_on_the_driver(spark):
    from policykit.diagnostics import PolicykitError
    from policykit.spark import judge

    df = spark.createDataFrame([("A", "request_completed")], ["case_id", "type"])
    with pytest.raises(PolicykitError, match="no at column"):  # it failed only when the job ran
        judge(df, "harif", AS_OF)
    with pytest.raises(TypeError, match="Spark DataFrame"):  # it was an AttributeError ('sparkSession')
        judge(df.toPandas(), "harif", AS_OF)
    nested = spark.createDataFrame([("A", "request_received", "2025-03-02", ["phone"])],
                                   "case_id string, type string, at string, channel array<string>")
    with pytest.raises(PolicykitError, match="'channel' holds lists"):  # it failed the job, on an executor
        judge(nested, "harif", AS_OF)
    full = spark.createDataFrame([("A", "request_received", "2025-03-02")], ["case_id", "type", "at"])
    with pytest.raises(ValueError, match="unknown reading"):  # it failed the job, on an executor
        judge(full, "harif", AS_OF, reading="nope")
    for wrong in (0, -1):  # 0 was taken for the default, -1 failed the job
        with pytest.raises(ValueError, match="buckets must be a positive integer"):
            judge(full, "harif", AS_OF, buckets=wrong)


def test_the_configuration_is_the_drivers(spark, split_log, tmp_path, monkeypatch):
    """The reading and the warning window are read where judge() is called, as `policykit batch` reads them, not
    on each executor: the Spark session was started before they were set, so its executors do not see them (on
    a cluster they never see the driver's environment or policykit.toml).  Executors once judged under their
    own configuration: every row said `intended` where batch said `literal`."""
    from policykit.spark import judge

    whole, _, _ = split_log
    expected = configured_batch(whole, tmp_path, monkeypatch)
    same_rows(judge(spark.read.parquet(str(whole)), "harif", AS_OF).toArrow(), expected)


def test_a_log_with_rejected_rows_gives_batchs_rows_and_its_rejects(spark, dirty_log):
    """SPEC §10, §14: a case with rejected rows is listed incomplete and undetermined, as batch lists it, and the
    rows themselves are `rejects(df)`, batch's rejects file.  The job once failed on the first rejected row."""
    from policykit.spark import judge, rejects

    parts, expected, rejected = dirty_log
    df = spark.read.parquet(str(parts))
    got = judge(df, "harif", AS_OF).toArrow()
    same_rows(got, expected)
    incomplete = [row["case_id"] for row in got.to_pylist() if row["incomplete"]]
    assert "ALL-REJECTED" in incomplete and len(incomplete) >= 3
    assert sorted((row["line"], row["reason"]) for row in rejects(df, "harif", AS_OF).collect()) == rejected


def test_binary_text_columns_are_read_as_batch_reads_them(spark, binary_log):
    """A Parquet log of BINARY text columns (Impala's), one case id not UTF-8: that row rejected as batch rejects
    it.  Bucketing the raw bytes failed the job ('Invalid UTF8 payload')."""
    from policykit.spark import judge, rejects

    path, expected = binary_log
    df = spark.read.parquet(str(path))
    same_rows(judge(df, "harif", AS_OF).toArrow(), expected)
    assert [row["reason"] for row in rejects(df, "harif", AS_OF).collect()] == ["row is not valid UTF-8"]


def test_column_names_are_read_without_the_spaces_around_them(spark, split_log):
    """' case_id ' is the column case_id, as `policykit batch` reads a header; judge once refused the log ('no
    case_id column')."""
    from policykit.spark import judge

    _, parts, expected = split_log
    df = spark.read.parquet(str(parts))
    df = df.toDF(*(f" {name} " for name in df.columns))
    same_rows(judge(df, "harif", AS_OF).toArrow(), expected)


@pytest.mark.parametrize("variable,value,code", LIMITS)
def test_the_limits_refuse_a_log_as_batch_refuses_it(spark, split_log, tmp_path, monkeypatch, variable, value, code):
    """A case over the events-per-case limit fails the job with batch's error, one over the cases-per-batch limit
    is refused by judge() itself, with batch's error; both limits are the driver's (set after the executors
    started: they do not see them).  Spark once judged such a log whole."""
    from policykit.diagnostics import PolicykitError
    from policykit.spark import judge

    whole, parts, _ = split_log
    monkeypatch.setenv(variable, value)
    refused, message = batch_refusal(whole, tmp_path)
    assert refused == code
    df = spark.read.parquet(str(parts))
    if code == "too-many-cases":
        with pytest.raises(PolicykitError) as caught:
            judge(df, "harif", AS_OF)
        assert (caught.value.first.code, caught.value.first.message) == (code, message)
        return
    verdicts = judge(df, "harif", AS_OF)
    with pytest.raises(Exception, match=f"{code}: {message}"):
        verdicts.toArrow()


def test_every_bundled_policy_agrees_with_batch_case_by_case_on_an_awkward_log(spark, awkward_logs):
    """SPEC §14: each of the five policies' awkward logs (ids with spaces, ties in time, Hijri and Arabic-Indic
    dates, rejected rows, an event after closing), split across files: batch's rows and its rejects."""
    from policykit.spark import judge, rejects

    for policy in POLICIES:
        parts, expected, rejected = awkward_logs[policy]
        df = spark.read.parquet(str(parts))
        same_rows(judge(df, policy, AS_OF).toArrow(), expected)
        assert sorted((row["line"], row["reason"]) for row in rejects(df, policy, AS_OF).collect()) == rejected
