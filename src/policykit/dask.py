"""Batch audits on Dask: `judge(ddf, policy, as_of)`, the rows of `policykit batch` as a Dask DataFrame,
`rejects(ddf, policy, as_of)`, the rows of its rejects file, and `read_events(paths, policy)`, a JSONL log read as
batch reads it.

Rows are bucketed by (trimmed) case id, shuffled on the bucket so that each case's rows meet in one partition,
and each partition is judged by `policykit.batch.judge_table`.  Needs `pip install 'policykit[dask]'`."""

from __future__ import annotations

import datetime as dt
import os

from .diagnostics import PolicykitError, Span
from .model import Policy


def judge(ddf, policy: Policy | str, as_of: dt.datetime | str, reading: str | None = None, *,
          npartitions: int | None = None):
    """The verdict rows of every case of the events in `ddf` (a Dask DataFrame with a batch log's columns),
    one partition of verdicts per shuffled partition (`npartitions`, default: as many as `ddf` has).

    Columns are Arrow-backed (pandas ArrowDtype) in `policykit.batch.table.plain_schema`: the Parquet layout
    of batch with labels as plain text and instants in UTC microseconds (dictionaries do not survive shuffles).  Rows are
    ordered within a case by an integer `line` column when `ddf` has one, else by their order in `ddf`.  A row
    that batch would reject is left out as batch leaves it out: its case is listed `incomplete` and
    `undetermined` (SPEC §10); `rejects()` lists the rows themselves."""
    return _per_bucket(ddf, policy, as_of, reading, npartitions, verdicts=True)


def rejects(ddf, policy: Policy | str, as_of: dt.datetime | str, reading: str | None = None, *,
            npartitions: int | None = None):
    """The rows of `ddf` that batch would reject, as a Dask DataFrame of (line, reason): its rejects file.
    Rows without a case id, which no verdict row counts, are here too."""
    return _per_bucket(ddf, policy, as_of, reading, npartitions, verdicts=False)


def read_events(paths, policy: Policy | str):
    """A JSONL event log (a path, a glob or a list of paths; one partition per file) as a Dask DataFrame that
    `judge` and `rejects` judge as `policykit batch` judges the files concatenated in that order.

    Its lines may carry different keys (dd.read_json refuses them): each file is read by batch's own JSONL reader
    (keys trimmed, values as text, a line it rejects kept as a row of its line and reason, which `rejects()`
    lists as batch's rejects file does), into the fixed columns the batch reads for `policy` (keys it does not
    read are left out), with `line` numbering the lines across the files.  The files' lines are counted first,
    here (one pass over their bytes), so that each file's lines follow the last one's."""
    import glob

    import pandas as pd

    from .batch.event_table import event_schema, jsonl_table, line_count
    from .batch.runner import log_columns
    from .limits import check_batch_bytes
    from .loader import load_policy

    import dask
    import dask.dataframe as dd

    files = [str(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
    files = [match for name in files for match in (sorted(glob.glob(name)) if glob.has_magic(name) else [name])]
    if not files:
        raise PolicykitError.single("file-not-found", "no such log file", Span(str(paths)))
    for name in files:
        if not os.path.isfile(name):
            raise PolicykitError.single("file-not-found", "no such log file", Span(name))
        check_batch_bytes(os.path.getsize(name), Span(name))  # each file within batch's limit on a log
    loaded = policy if isinstance(policy, Policy) else load_policy(policy)
    columns = log_columns(loaded).known
    counts = dask.compute(*(dask.delayed(line_count)(name) for name in files[:-1])) if len(files) > 1 else ()
    firsts = [1]
    for count in counts:
        firsts.append(firsts[-1] + count)

    def part(name: str, first: int) -> pd.DataFrame:
        return jsonl_table(name, columns, first).to_pandas(types_mapper=pd.ArrowDtype)

    meta = event_schema(columns).empty_table().to_pandas(types_mapper=pd.ArrowDtype)
    return dd.from_map(part, files, firsts, meta=meta, enforce_metadata=False)


def _per_bucket(ddf, policy: Policy | str, as_of: dt.datetime | str, reading: str | None,
                npartitions: int | None, verdicts: bool):
    """`ddf` shuffled by case bucket, each partition judged: its verdict rows, or its rejected rows."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from .batch.columns import LINE, column_name
    from .batch.table import (BUCKET, REJECTS, case_keys, check_case_count, check_columns, group_count,
                              judge_table, plain_labels, plain_schema, rejects_table, with_bucket)
    from .config import load_settings
    from .limits import current
    from .loader import load_policy

    import dask.dataframe as dd

    if not isinstance(ddf, dd.DataFrame):
        raise TypeError(f"ddf must be a Dask DataFrame, not {type(ddf).__name__}")
    group_count("npartitions", npartitions)
    loaded = policy if isinstance(policy, Policy) else load_policy(policy)
    check_columns(list(ddf.columns), loaded, as_of, reading)  # here, before anything is computed
    if any(column_name(name) != name for name in ddf.columns):  # ' case_id ' is case_id, as batch reads it
        ddf = ddf.rename(columns={name: column_name(name) for name in ddf.columns})
    # the caller's configuration, as `policykit batch` here would read it: a worker's environment and working
    # directory (policykit.toml) are not the caller's
    settings = load_settings()
    bounds = current()  # the caller's limits too, as batch here would apply them (a worker reads none)
    # batch refuses a log of more cases than the limit before it writes a verdict: counted here (the rows, and
    # the distinct case ids when there are more rows than the limit)
    check_case_count(len(ddf), lambda: _distinct_cases(ddf, case_keys), bounds, WHERE)
    count = npartitions or ddf.npartitions
    target = plain_schema(loaded.calendar.timezone) if verdicts else REJECTS
    has_line = LINE in ddf.columns

    def arrow(frame: pd.DataFrame) -> pa.Table:
        return pa.Table.from_pandas(frame, preserve_index=False)

    def bucketed(frame: pd.DataFrame, partition_info=None) -> pd.DataFrame:
        table = arrow(frame)
        if not has_line:
            # partitions in order, rows in order within each: the log's order (2^32 rows a partition at most)
            first = ((partition_info or {}).get("number", 0) << 32) + 1
            table = table.append_column(LINE, pa.array(np.arange(first, first + table.num_rows, dtype=np.int64)))
        return with_bucket(plain_labels(table), count).to_pandas(types_mapper=pd.ArrowDtype)

    def judged(frame: pd.DataFrame) -> pd.DataFrame:
        table = arrow(frame.drop(columns=[BUCKET]))
        if verdicts:  # rejected rows dropped and their cases marked incomplete, as batch does
            out = judge_table(table, loaded, as_of, reading, settings=settings, rejects=[],
                              limits=bounds).cast(target)
        else:
            out = rejects_table(table, loaded, as_of, reading, settings=settings, limits=bounds)
        return out.to_pandas(types_mapper=pd.ArrowDtype)

    meta_in = bucketed(ddf._meta)
    prepared = ddf.map_partitions(bucketed, meta=meta_in)
    shuffled = prepared.shuffle(on=BUCKET, npartitions=count)
    meta_out = target.empty_table().to_pandas(types_mapper=pd.ArrowDtype)
    return shuffled.map_partitions(judged, meta=meta_out)


WHERE = "<DataFrame>"


def _distinct_cases(ddf, case_keys) -> int:
    """How many cases the rows of `ddf` belong to, as batch counts them (`case_keys`: their trimmed ids)."""
    import pandas as pd
    import pyarrow as pa

    from .batch.columns import CASE_ID

    def keys(frame: pd.DataFrame) -> pd.DataFrame:
        return case_keys(pa.Table.from_pandas(frame, preserve_index=False)).to_pandas(types_mapper=pd.ArrowDtype)

    ids = ddf[[CASE_ID]].map_partitions(keys, meta=keys(ddf._meta[[CASE_ID]]))
    return int(ids.drop_duplicates(split_out=ddf.npartitions).shape[0].compute())
