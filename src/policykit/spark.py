"""Batch audits on Apache Spark: `judge(df, policy, as_of)`, the rows of `policykit batch` as a Spark DataFrame,
and `rejects(df, policy, as_of)`, the rows of its rejects file.

Rows are bucketed by (trimmed) case id in Arrow, grouped by bucket with `groupBy(...).applyInArrow`, and each
group, holding whole cases, is judged by `policykit.batch.judge_table` on the executors.  Needs
`pip install 'policykit[spark]'` on the driver and the executors."""

from __future__ import annotations

import datetime as dt

from .diagnostics import PolicykitError
from .model import Policy


def judge(df, policy: Policy | str, as_of: dt.datetime | str, reading: str | None = None, *,
          buckets: int | None = None):
    """The verdict rows of every case of the events in `df` (a Spark DataFrame with a batch log's columns).

    A case's rows may be spread over any number of files and partitions.  Rows are ordered within a case by
    an integer `line` column when `df` has one (ties in time, first fact values), else by the order Spark reads
    them.  `buckets` (default: spark.sql.shuffle.partitions) is how many groups are judged.  A row that batch
    would reject is left out as batch leaves it out: its case is listed `incomplete` and `undetermined` (SPEC
    §10); `rejects()` lists the rows themselves."""
    return _per_bucket(df, policy, as_of, reading, buckets, verdicts=True)


def rejects(df, policy: Policy | str, as_of: dt.datetime | str, reading: str | None = None, *,
            buckets: int | None = None):
    """The rows of `df` that batch would reject, as a Spark DataFrame of (line, reason): its rejects file.
    Rows without a case id, which no verdict row counts, are here too."""
    return _per_bucket(df, policy, as_of, reading, buckets, verdicts=False)


def _per_bucket(df, policy: Policy | str, as_of: dt.datetime | str, reading: str | None, buckets: int | None,
                verdicts: bool):
    """`df` grouped by case bucket, each group judged on the executors: its verdict rows, or its rejected rows."""
    import pyarrow as pa
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema
    from pyspark.sql.types import IntegerType, StructField, StructType

    from .batch.columns import LINE, column_name
    from .batch.table import (BUCKET, REJECTS, case_keys, check_case_count, check_columns, group_count,
                              judge_table, plain_schema, rejects_table, with_bucket)
    from .config import load_settings
    from .limits import current
    from .loader import load_policy

    from pyspark.sql import DataFrame

    if not isinstance(df, DataFrame):
        raise TypeError(f"df must be a Spark DataFrame, not {type(df).__name__}")
    group_count("buckets", buckets)
    loaded = policy if isinstance(policy, Policy) else load_policy(policy)
    check_columns(df.columns, loaded, as_of, reading, _arrow_schema(df))  # on the driver, before any job
    if any(column_name(name) != name for name in df.columns):  # ' case_id ' is case_id, as batch reads it
        df = df.toDF(*(column_name(name) for name in df.columns))
    # the driver's configuration, as `policykit batch` there would read it: an executor's environment and
    # working directory (policykit.toml) are not the driver's
    settings = load_settings()
    bounds = current()  # the driver's limits too, as batch there would apply them (an executor reads none)
    # batch refuses a log of more cases than the limit before it writes a verdict: counted here (a job, and
    # a second one reading the case ids when there are more rows than the limit)
    check_case_count(df.count(), lambda: _distinct_cases(df, case_keys), bounds, WHERE)
    spark = df.sparkSession
    count = buckets or int(spark.conf.get("spark.sql.shuffle.partitions"))
    if LINE not in df.columns:
        # increasing within each partition, partitions in order: the order Spark reads the rows
        df = df.withColumn(LINE, F.monotonically_increasing_id() + 1)
    bucketed_schema = StructType([*df.schema.fields, StructField(BUCKET, IntegerType(), nullable=False)])
    target = plain_schema(loaded.calendar.timezone) if verdicts else REJECTS

    def bucket(batches):
        for batch in batches:
            yield from with_bucket(pa.Table.from_batches([batch]), count).to_batches()

    def judged(table: pa.Table) -> pa.Table:
        # rejected rows dropped and their cases marked incomplete, as batch does
        return judge_table(table.drop_columns([BUCKET]), loaded, as_of, reading, settings=settings,
                           rejects=[], limits=bounds).cast(target)

    def rejected(table: pa.Table) -> pa.Table:
        return rejects_table(table.drop_columns([BUCKET]), loaded, as_of, reading, settings=settings,
                             limits=bounds)

    try:
        return df.mapInArrow(bucket, bucketed_schema).groupBy(BUCKET).applyInArrow(
            judged if verdicts else rejected, from_arrow_schema(target))
    except AttributeError as exc:  # PySpark before 4.0 has no applyInArrow
        raise PolicykitError.single("missing-dependency", f"policykit.spark needs PySpark 4.0 or later ({exc})",
                                    hint="pip install 'policykit[spark]'") from None


WHERE = "<DataFrame>"


def _distinct_cases(df, case_keys) -> int:
    """How many cases the rows of `df` belong to, as batch counts them (`case_keys`: their trimmed ids)."""
    from .batch.columns import CASE_ID

    def keys(batches):
        for batch in batches:
            yield from case_keys(batch).to_batches()

    return df.select(CASE_ID).mapInArrow(keys, f"{CASE_ID} string").distinct().count()


def _arrow_schema(df):
    """The DataFrame's columns as Arrow types, as the executors will see them; None for a type Arrow has none for
    (the columns are then checked by name only)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    try:
        return to_arrow_schema(df.schema)
    except Exception:  # a Spark type without an Arrow form: judged (or refused) on the executors
        return None
