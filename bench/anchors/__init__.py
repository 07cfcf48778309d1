"""Hand-written anchors for the benchmark: harif's rules as a DuckDB and as a Polars query (SPEC §4, §7, §9)."""
