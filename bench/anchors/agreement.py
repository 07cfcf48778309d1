"""Do an anchor's verdicts and `policykit batch --out v.parquet` agree, case by case?  Compared: the case status,
each rule's status, trigger, due, fulfilment and lateness, and the required actions in order (event, due, rule,
at_risk, overdue, before).  Instants are compared as µs since the epoch, so zones do not matter."""

from __future__ import annotations

from .harif import FIELDS, RULES

FINDING = ["status", "trigger_at", "due", "fulfilled_at", "late_by"]
ACTION = ["event", "due", "rule", "at_risk", "overdue", "before"]
EXAMPLES = 5


def _plain(frame):
    """Categoricals as text and instants as µs, so both sides compare alike."""
    import polars as pl

    out = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            column = column.dt.epoch("us")
        elif isinstance(dtype, (pl.Categorical, pl.Enum)):
            column = column.cast(pl.String)
        out.append(column.alias(name))
    return frame.select(out)


def batch_tables(path: str):
    """`policykit batch`'s nested Parquet as three long tables: cases, findings, actions."""
    import polars as pl
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["case_id", "status", "findings", "required_actions"])
    frame = pl.from_arrow(table)
    cases = _plain(frame.select("case_id", "status"))
    findings = _plain(frame.select("case_id", "findings").explode("findings").drop_nulls("findings")
                      .unnest("findings").select("case_id", "rule", *FINDING))
    return cases, findings, _actions(frame)


def _actions(frame):
    import polars as pl

    exploded = (frame.select("case_id", "required_actions").explode("required_actions")
                .drop_nulls("required_actions").unnest("required_actions"))
    exploded = exploded.with_columns(index=pl.int_range(pl.len()).over("case_id"))
    return _plain(exploded.select("case_id", "index", *ACTION))


def anchor_tables(path: str):
    """An anchor's wide Parquet (`<rule>.<field>` columns) as the same three long tables."""
    import polars as pl

    frame = pl.read_parquet(path)
    cases = _plain(frame.select("case_id", "status"))
    parts = []
    for rule in RULES:
        parts.append(_plain(frame.select(
            "case_id", pl.lit(rule).alias("rule"),
            *[(pl.col(f"{rule}.{f}") if f in FIELDS[rule] else pl.lit(None)).alias(f) for f in FINDING])
            .with_columns(pl.col("trigger_at", "due", "fulfilled_at").cast(pl.Datetime("us", "UTC")),
                          pl.col("late_by").cast(pl.Int64))))
    return cases, pl.concat(parts), _actions(frame)


def _differences(left, right, keys: list[str], fields: list[str]):
    """Rows of `left` and `right` (joined on `keys`) that differ in any field, or are on one side only."""
    import polars as pl

    joined = left.join(right, on=keys, how="full", coalesce=True, suffix="_anchor", nulls_equal=True)
    differs = pl.lit(False)
    for name in fields:
        differs = differs | pl.col(name).cast(pl.String).ne_missing(pl.col(f"{name}_anchor").cast(pl.String))
    return joined.filter(differs)


def compare(batch_parquet: str, anchor_parquet: str) -> dict:
    """How many cases, findings and actions differ (none when they agree), with a few examples of each."""
    batch, anchor = batch_tables(batch_parquet), anchor_tables(anchor_parquet)
    names = ("cases", "findings", "actions")
    keys = (["case_id"], ["case_id", "rule"], ["case_id", "index"])
    fields = (["status"], FINDING, ACTION)
    report = {"cases": batch[0].height, "anchor_cases": anchor[0].height, "differences": {}, "examples": {}}
    for name, b, a, k, f in zip(names, batch, anchor, keys, fields):
        diff = _differences(b, a, k, f)
        report["differences"][name] = diff.height
        report["cases_differing_in_" + name] = diff["case_id"].n_unique()
        if diff.height:
            report["examples"][name] = diff.sort(k).head(EXAMPLES).to_dicts()
    report["agree"] = not any(report["differences"].values())
    return report
