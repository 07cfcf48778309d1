"""Rule kinds defined once (policykit.judge.kinds) and the backends that run their decision tables: one case in
pure Python (policykit.judge.scalar), many cases over numpy columns (policykit.judge.columns)."""
