"""policykit.dask.judge on a dask.distributed LocalCluster of two workers (threads in this process, to stay lean):
batch's rows for a log whose cases span files and partitions (a few seconds in all)."""

from __future__ import annotations

import pytest

from .conftest import AS_OF, LIMITS, POLICIES, batch_refusal, configured_batch, needed, same_rows


@pytest.fixture(scope="module")
def client():
    needed("dask.dataframe")
    distributed = needed("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    with distributed.Client(cluster) as connected:
        yield connected
    cluster.close()


def test_verdicts_equal_batch_on_a_log_split_across_files(client, split_log):
    import dask.dataframe as dd
    import pyarrow as pa

    from policykit.dask import judge

    _, parts, expected = split_log
    ddf = dd.read_parquet(str(parts))
    assert ddf.npartitions >= 2
    verdicts = judge(ddf, "harif", AS_OF)
    assert len(client.scheduler_info()["workers"]) == 2
    same_rows(pa.Table.from_pandas(verdicts.compute(), preserve_index=False), expected)


def test_without_a_line_column(client, split_log):
    import dask.dataframe as dd
    import pyarrow as pa

    from policykit.dask import judge

    whole, _, expected = split_log
    ddf = dd.read_parquet(str(whole)).repartition(npartitions=3)
    same_rows(pa.Table.from_pandas(judge(ddf, "harif", AS_OF, npartitions=2).compute(), preserve_index=False),
              expected)


def test_a_log_without_a_required_column_or_not_dask_is_refused_before_anything_is_computed():
    pd = needed("pandas")
    dd = needed("dask.dataframe")
    from policykit.dask import judge
    from policykit.diagnostics import PolicykitError

    frame = pd.DataFrame({"case_id": ["A"], "type": ["request_completed"]})
    with pytest.raises(PolicykitError, match="no at column"):  # it failed only at compute(), on a worker
        judge(dd.from_pandas(frame, npartitions=1), "harif", AS_OF)
    with pytest.raises(TypeError, match="Dask DataFrame"):  # it was an AttributeError ('npartitions')
        judge(frame, "harif", AS_OF)
    full = dd.from_pandas(frame.assign(at=["2025-03-02"]), npartitions=1)
    with pytest.raises(ValueError, match="unknown reading"):  # it failed only at compute(), on a worker
        judge(full, "harif", AS_OF, reading="nope")
    for wrong in (0, -1):  # 0 was taken for the default, -1 failed with an OverflowError
        with pytest.raises(ValueError, match="npartitions must be a positive integer"):
            judge(full, "harif", AS_OF, npartitions=wrong)


def test_the_configuration_is_the_callers(split_log, tmp_path, monkeypatch):
    """On worker processes started before the reading and the warning window were set (on a cluster they never
    see the caller's environment or policykit.toml), the verdicts are judged under the caller's configuration,
    as `policykit batch` reads it.  Workers once judged under their own: every row said `intended` where batch
    said `literal`."""
    import pyarrow as pa

    dd = needed("dask.dataframe")
    distributed = needed("distributed")
    from policykit.dask import judge

    whole, _, _ = split_log
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        expected = configured_batch(whole, tmp_path, monkeypatch)
        got = judge(dd.read_parquet(str(whole)), "harif", AS_OF).compute()
    same_rows(pa.Table.from_pandas(got, preserve_index=False), expected)


def test_a_log_with_rejected_rows_gives_batchs_rows_and_its_rejects(client, dirty_log):
    """SPEC §10, §14: a case with rejected rows is listed incomplete and undetermined, as batch lists it, and the
    rows themselves are `rejects(ddf)`, batch's rejects file.  The computation once failed on the first one."""
    import dask.dataframe as dd
    import pyarrow as pa

    from policykit.dask import judge, rejects

    parts, expected, rejected = dirty_log
    ddf = dd.read_parquet(str(parts))
    got = pa.Table.from_pandas(judge(ddf, "harif", AS_OF).compute(), preserve_index=False)
    same_rows(got, expected)
    assert "ALL-REJECTED" in [row["case_id"] for row in got.to_pylist() if row["incomplete"]]
    found = rejects(ddf, "harif", AS_OF).compute()
    assert sorted(zip(found["line"].tolist(), found["reason"].tolist())) == rejected


def test_binary_text_columns_are_read_as_batch_reads_them(client, binary_log):
    """A Parquet log of BINARY text columns (Impala's), one case id not UTF-8: that row rejected as batch rejects
    it.  Bucketing the raw bytes failed the computation ('Invalid UTF8 payload')."""
    import dask.dataframe as dd
    import pyarrow as pa

    from policykit.dask import judge

    path, expected = binary_log
    got = judge(dd.read_parquet(str(path)), "harif", AS_OF).compute()
    same_rows(pa.Table.from_pandas(got, preserve_index=False), expected)


def test_column_names_are_read_without_the_spaces_around_them(client, split_log):
    """' case_id ' is the column case_id, as `policykit batch` reads a header; judge once refused the log ('no
    case_id column')."""
    import dask.dataframe as dd
    import pyarrow as pa

    from policykit.dask import judge

    _, parts, expected = split_log
    ddf = dd.read_parquet(str(parts))
    ddf = ddf.rename(columns={name: f" {name} " for name in ddf.columns})
    same_rows(pa.Table.from_pandas(judge(ddf, "harif", AS_OF).compute(), preserve_index=False), expected)


@pytest.mark.parametrize("variable,value,code", LIMITS)
def test_the_limits_refuse_a_log_as_batch_refuses_it(client, split_log, tmp_path, monkeypatch, variable, value, code):
    """A case over the events-per-case limit fails the computation with batch's error, one over the
    cases-per-batch limit is refused by judge() itself, with batch's error.  Dask once judged such a log whole."""
    import dask.dataframe as dd

    from policykit.dask import judge
    from policykit.diagnostics import PolicykitError

    whole, parts, _ = split_log
    monkeypatch.setenv(variable, value)
    refusal = batch_refusal(whole, tmp_path)
    assert refusal[0] == code
    with pytest.raises(PolicykitError) as caught:
        judge(dd.read_parquet(str(parts)), "harif", AS_OF).compute()
    assert (caught.value.first.code, caught.value.first.message) == refusal


def test_read_events_reads_a_jsonl_log_whose_lines_carry_different_keys(client, tmp_path):
    """dd.read_json failed on JSONL lines with different keys; read_events reads them as batch does (keys trimmed,
    values as text, lines it rejects listed by rejects()), over two files: judge and rejects equal batch's rows and
    rejects file for the files concatenated."""
    import csv
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from policykit.batch import run_batch
    from policykit.dask import judge, read_events, rejects

    from .conftest import _bench

    rows = [{k: v for k, v in row.items() if v is not None}  # a key only where the line has a value
            for row in _bench("loggen").generate(400, seed=5, shuffle=True).to_pylist()]
    lines = [json.dumps(row, default=str, ensure_ascii=False) for row in rows]
    lines[3] = json.dumps({f" {key} ": value for key, value in rows[3].items()}, default=str)  # ' case_id '...
    lines[10:10] = ["{not json", "", "[1, 2]", json.dumps({"case_id": rows[0]["case_id"], "type": "bogus",
                                                           "at": "2025-03-02T09:00:00+03:00", "extra": 1})]
    half = len(lines) // 2
    first, second, whole = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "whole.jsonl"
    first.write_text("\n".join(lines[:half]) + "\n", encoding="utf-8")
    second.write_text("\n".join(lines[half:]) + "\n", encoding="utf-8")
    whole.write_text(first.read_text(encoding="utf-8") + second.read_text(encoding="utf-8"), encoding="utf-8")
    out, rejected = tmp_path / "verdicts.parquet", tmp_path / "rejects.csv"
    run_batch(whole, "harif", AS_OF, out=str(out), rejects_path=str(rejected), workers=1)
    with open(rejected, encoding="utf-8", newline="") as file:
        expected_rejects = sorted((int(row["line"]), row["reason"]) for row in csv.DictReader(file))
    assert len(expected_rejects) == 3  # not JSON, not an object, an unknown event type
    events = read_events([str(first), str(second)], "harif")
    assert events.npartitions == 2
    got = pa.Table.from_pandas(judge(events, "harif", AS_OF).compute(), preserve_index=False)
    same_rows(got, pq.read_table(out))
    found = rejects(read_events(str(tmp_path / "[ab].jsonl"), "harif"), "harif", AS_OF).compute()
    assert sorted(zip(found["line"].tolist(), found["reason"].tolist())) == expected_rejects


@pytest.mark.parametrize("policy", POLICIES)
def test_every_bundled_policy_agrees_with_batch_case_by_case_on_an_awkward_log(client, awkward_logs, policy):
    """SPEC §14: each of the five policies' awkward logs (ids with spaces, ties in time, Hijri and Arabic-Indic
    dates, rejected rows, an event after closing), split across files: batch's rows and its rejects."""
    import dask.dataframe as dd
    import pyarrow as pa

    from policykit.dask import judge, rejects

    parts, expected, rejected = awkward_logs[policy]
    ddf = dd.read_parquet(str(parts))
    same_rows(pa.Table.from_pandas(judge(ddf, policy, AS_OF).compute(), preserve_index=False), expected)
    found = rejects(ddf, policy, AS_OF).compute()
    assert sorted(zip(found["line"].tolist(), found["reason"].tolist())) == rejected
