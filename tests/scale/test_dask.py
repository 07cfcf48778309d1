"""policykit.dask.judge on a dask.distributed LocalCluster of two workers (threads in this process, to stay lean):
batch's rows for a log whose cases span files and partitions (a few seconds in all)."""

from __future__ import annotations

import pytest

from .conftest import AS_OF, LIMITS, batch_refusal, configured_batch, needed, same_rows


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
