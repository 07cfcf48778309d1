"""What a batch found, merged across workers: cases by status, most-breached rules, lateness, rejects."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..diagnostics import plain_name
from ..neutralise import terminal


@dataclass
class Stats:
    """Counts from one partition (or all of them, once merged)."""

    events: int = 0
    cases: int = 0
    by_status: Counter = field(default_factory=Counter)
    breached_rules: Counter = field(default_factory=Counter)
    lateness: dict[str, Counter] = field(default_factory=dict)
    fallback_cases: int = 0
    largest_case: int = 0  # events of the largest case (checked against the events-per-case limit)
    incomplete_cases: int = 0  # cases with rejected rows (SPEC §10)

    def add_verdict_row(self, row: dict) -> None:
        """Count one tabular verdict row."""
        self.cases += 1
        self.by_status[row["status"]] += 1
        self.incomplete_cases += bool(row.get("incomplete"))
        for finding in row["findings"]:
            if finding["status"] == "breached":
                self.breached_rules[finding["rule"]] += 1
                if finding["late_by"] is not None:
                    self.lateness.setdefault(finding["late_unit"], Counter())[finding["late_by"]] += 1

    def merge(self, other: "Stats") -> None:
        """Add another partition's counts."""
        self.events += other.events
        self.cases += other.cases
        self.by_status.update(other.by_status)
        self.breached_rules.update(other.breached_rules)
        for unit, counts in other.lateness.items():
            self.lateness.setdefault(unit, Counter()).update(counts)
        self.fallback_cases += other.fallback_cases
        self.incomplete_cases += other.incomplete_cases
        self.largest_case = max(self.largest_case, other.largest_case)


def median(counts: Counter) -> float | None:
    """The median of values given as value -> count."""
    total = sum(counts.values())
    if not total:
        return None
    lower, upper = (total - 1) // 2, total // 2
    seen, low_value = 0, None
    for value in sorted(counts):
        seen += counts[value]
        if low_value is None and seen > lower:
            low_value = value
        if seen > upper:
            return (low_value + value) / 2
    return None


@dataclass
class Summary:
    """The end-of-batch report."""

    stats: Stats
    rows_read: int = 0
    rejected: int = 0
    rejects_path: str | None = None
    unknown_columns: tuple[str, ...] = ()
    seconds: float = 0.0
    out: str | None = None
    fast_path: bool = True
    report: str | None = None
    header: tuple[str, ...] | None = None  # the log's declared column names (CSV, Parquet), for positions

    def _unknown(self) -> tuple[list[str], list[str]]:
        """Unknown column names that can be named, and the others (they may be data typed as a key)."""
        named = [n for n in self.unknown_columns if plain_name(n)]
        return named, [n for n in self.unknown_columns if not plain_name(n)]

    def to_dict(self) -> dict:
        """The summary as JSON-ready data."""
        s = self.stats
        return {"rows_read": self.rows_read, "events_evaluated": s.events, "cases": s.cases,
                "cases_by_status": dict(sorted(s.by_status.items())),
                "most_breached_rules": s.breached_rules.most_common(5),
                "median_lateness": {unit: median(c) for unit, c in sorted(s.lateness.items())},
                "rejected_rows": self.rejected, "incomplete_cases": s.incomplete_cases,
                "rejects_file": self.rejects_path,
                "unknown_columns": self._unknown()[0], "unknown_columns_not_shown": len(self._unknown()[1]),
                "seconds": round(self.seconds, 3),
                "events_per_second": round(self.rows_read / self.seconds) if self.seconds else None,
                "cases_by_reference_path": s.fallback_cases, "out": self.out}

    def render(self, lang: str = "en", rule_label=None) -> str:
        """A short plain-text summary for the terminal, in English or Arabic; `rule_label(rule_id)` names the most
        breached rules (by their ids without it)."""
        from ..counting import NOUNS, count, number
        from .summary_words import PHRASES, status_word, unit_word

        p, d = PHRASES[lang], self.to_dict()

        def n(value) -> str:  # every number of the summary in the language's digits (Arabic-Indic in Arabic)
            return number(value, lang)

        lines = [p["read"].format(rows=n(d["rows_read"]), cases=n(d["cases"]), seconds=n(d["seconds"]))
                 + (p["speed"].format(eps=n(d["events_per_second"])) if d["events_per_second"] else "")]
        lines.append(p["by_status"] + (p["sep"].join(f"{status_word(k, lang)} {n(v)}"
                                                     for k, v in d["cases_by_status"].items()) or p["none"]))
        if d["most_breached_rules"]:
            name = rule_label or str
            lines.append(p["most"] + p["sep"].join(f"{name(rule)} {n(c)}" for rule, c in d["most_breached_rules"]))
        for unit, value in d["median_lateness"].items():
            if value is not None and float(value).is_integer() and unit in NOUNS:
                # a whole number of days is counted as the language counts it (٢٥ يوماً, 1 working day)
                lines.append(p["median_of"].format(amount=count(int(value), unit, lang)))
            else:
                lines.append(p["median"].format(value=n(f"{value:g}"), unit=unit_word(unit, lang)))
        named, hidden = self._unknown()
        if named:
            lines.append(p["unknown"] + _listed(named, p, n))
        if hidden:
            where = ""
            if self.header is not None:
                unnamed = set(hidden)  # a set: a header of 60,000 such columns took 48 s to list as a list
                positions = sorted({i + 1 for i, n in enumerate(self.header) if n in unnamed})
                where = p["at_many" if len(positions) > 1 else "at_one"].format(
                    positions=_listed([n(run) for run in _runs(positions)], p, n))
            lines.append(p["hidden"].format(n=n(len(hidden)), s="s" if len(hidden) > 1 else "", where=where))
        if self.rejected:
            lines.append(p["rejected"].format(n=n(self.rejected), path=self.rejects_path))
        if d["incomplete_cases"]:
            lines.append(p["incomplete"].format(n=n(d["incomplete_cases"])))
        if self.out:
            lines.append(p["out"].format(out=self.out))
        if self.report:
            lines.append(p["report"].format(report=self.report))
        # paths are the operator's, but a terminal still shows them escaped
        return "\n".join(terminal(line) for line in lines) + "\n"


LISTED = 20  # names or column ranges the terminal summary lists; --summary-json has every name


def _listed(items: list[str], phrases: dict, num=str) -> str:
    """The first LISTED items joined, and how many more there are (a log of 100,000 columns is one short line);
    `num` writes that number in the summary's digits."""
    shown = phrases["sep"].join(items[:LISTED])
    return shown + phrases["more"].format(n=num(len(items) - LISTED)) if len(items) > LISTED else shown


def _runs(positions: list[int]) -> list[str]:
    """Sorted column numbers, three or more in a row as a range: 5-9, 12, 13."""
    runs: list[list[int]] = []
    for number in positions:
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return [item for a, b in runs for item in ([f"{a}-{b}"] if b - a > 1 else map(str, range(a, b + 1)))]
