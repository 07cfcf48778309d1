"""Generate a realistic synthetic event log for a policy: on-time and late answers, windows across holidays,
unclear procedures, rejections, open cases, steps out of order.  `python bench/loggen.py --help`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa

HARIF = "harif"
DAY = 86_400.0
RIYADH_OFFSET = 3 * 3600
EPOCH_2024 = 1_704_056_400  # 2024-01-01T00:00:00+03:00
CHANNELS = np.array(["interview", "phone", "email", "website", "letters", "social_media", "fax"])


def _steps(policy: str) -> list[tuple[str, float]]:
    """(event type, probability present) in the usual order of a case; times are assigned in `generate`."""
    common = [("request_received", 1.0), ("requirements_explained", 0.9), ("procedures_unclear", 0.15),
              ("referred_to_social_researcher", 0.12), ("data_verified", 0.93), ("declaration_signed", 0.92),
              ("request_completed", 0.9), ("applicant_informed", 0.9), ("referred_to_committee", 0.88),
              ("decision_notified", 0.8)]
    if policy == HARIF:
        return [s for s in common if s[0] not in ("procedures_unclear", "referred_to_social_researcher")] + [
            ("complaint_received", 0.03), ("complaint_resolved", 0.02), ("case_closed", 0.4)]
    return common + [("registration_completed", 0.7), ("service_delivered", 0.6), ("case_closed", 0.4)]


def generate(n_events: int, policy: str = HARIF, seed: int = 0, shuffle: bool = False,
             repeats: float = 0.0) -> pa.Table:
    """A log table (case_id, type, at, channel, agreed_channel, outcome, facts) of about `n_events` rows; with
    `repeats`, that share of harif's cases also has later complaints (see `_repeated_complaints`)."""
    rng = np.random.default_rng(seed)
    steps = _steps(policy)
    mean_per_case = sum(p for _, p in steps)
    n_cases = max(1, int(round(n_events / mean_per_case)))
    start = EPOCH_2024 + rng.integers(0, 700, n_cases) * DAY + rng.integers(8 * 3600, 15 * 3600, n_cases)
    names = [s for s, _ in steps]
    present = np.stack([rng.random(n_cases) < p for _, p in steps])
    times = np.empty((len(steps), n_cases))
    clock = start.astype(float)
    for k, name in enumerate(names):
        gap = rng.exponential(1.2 * DAY, n_cases) + 600.0
        if name == "decision_notified":
            # on time mostly, late for about a fifth: spans of up to ~6 weeks cross Eid and National Day
            gap = np.where(rng.random(n_cases) < 0.8, rng.uniform(0.1, 13.5, n_cases),
                           rng.uniform(14, 45, n_cases)) * DAY
        clock = clock + gap
        times[k] = clock
    # out-of-order steps: some verifications after the committee, some information after the decision
    swap = rng.random(n_cases) < 0.06
    for first, then in (("data_verified", "referred_to_committee"), ("applicant_informed", "decision_notified")):
        i, j = names.index(first), names.index(then)
        times[i, swap], times[j, swap] = times[j, swap] + 3600.0, times[i, swap]
    # unclear procedures: the researcher referral comes after them, or is missing (present mask)
    if "procedures_unclear" in names:
        i, j = names.index("procedures_unclear"), names.index("referred_to_social_researcher")
        present[j] &= present[i] | (rng.random(n_cases) < 0.1)
    if "service_delivered" in names:
        present[names.index("service_delivered")] &= present[names.index("decision_notified")]
    extra = None
    if repeats and "complaint_received" in names:  # drawn last: without repeats the log is what it always was
        extra = _repeated_complaints(rng, names, times, present, repeats)
    case_idx, step_idx = np.nonzero(present.T)
    at = times[step_idx, case_idx]
    if extra is not None:
        case_idx, step_idx, at = (np.r_[mine, more] for mine, more in zip((case_idx, step_idx, at), extra))
    order = rng.permutation(len(at)) if shuffle else np.lexsort((at, case_idx))
    case_idx, step_idx, at = case_idx[order], step_idx[order], at[order]
    prefix = "H" if policy == HARIF else policy[:2].upper()
    case_names = np.array([f"{prefix}-{i:08d}" for i in range(n_cases)], dtype=object)
    types = np.array(names, dtype=object)[step_idx]
    n = len(at)
    channel = np.full(n, None, dtype=object)
    agreed = np.full(n, None, dtype=object)
    outcome = np.full(n, None, dtype=object)
    received = types == "request_received"
    decided = types == "decision_notified"
    channel[received] = CHANNELS[rng.integers(0, len(CHANNELS), received.sum())]
    has_agreed = received & (rng.random(n) < 0.7)
    case_agreed = CHANNELS[rng.integers(0, 3, n_cases)]
    agreed[has_agreed] = case_agreed[case_idx[has_agreed]]
    honour = rng.random(n) < 0.85
    channel[decided] = np.where(honour[decided], case_agreed[case_idx[decided]],
                                CHANNELS[rng.integers(0, len(CHANNELS), n)][decided])
    outcome[decided] = np.where(rng.random(decided.sum()) < 0.7, "approved", "rejected")
    columns = {
        "case_id": pa.array(case_names[case_idx], pa.string()),
        "type": pa.array(types, pa.string()).dictionary_encode(),
        "at": pa.array(at.astype("int64"), pa.timestamp("s", tz="UTC")),
        "channel": pa.array(channel, pa.string()),
        "agreed_channel": pa.array(agreed, pa.string()),
        "outcome": pa.array(outcome, pa.string()),
    }
    if policy == HARIF:
        for fact, p in (("association_caused_harm", 0.05), ("investigation_minutes_approved", 0.03)):
            known = rng.random(n_cases) < 0.3
            value = rng.random(n_cases) < p * 10
            cell = np.where(known, value, None)[case_idx]
            columns[fact] = pa.array(cell, pa.bool_())
    return pa.table(columns)


def _repeated_complaints(rng, names: list[str], times: np.ndarray, present: np.ndarray,
                         share: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For `share` of the cases, a complaint (resolved mostly; `present` is marked so) and rows (case, step,
    instant) of a later one — resolved or not, sometimes at the very instant of the resolution (a tie, listed
    after it), sometimes with a third just before it — so an obligation on every complaint (harif's `each`)
    has cases to tell apart."""
    n_cases = times.shape[1]
    received, resolved = names.index("complaint_received"), names.index("complaint_resolved")
    chosen = np.flatnonzero(rng.random(n_cases) < share)
    present[received, chosen] = True
    present[resolved, chosen] |= rng.random(len(chosen)) < 0.8
    second = times[resolved, chosen] + rng.choice([0.0, 3600.0, 3 * DAY], len(chosen))  # 0: tied with it
    answered = rng.random(len(chosen)) < 0.5
    third = rng.random(len(chosen)) < 0.3
    cases = np.r_[chosen, chosen[answered], chosen[third]]
    steps = np.r_[np.full(len(chosen), received), np.full(answered.sum(), resolved), np.full(third.sum(), received)]
    at = np.r_[second, second[answered] + rng.exponential(2 * DAY, answered.sum()) + 600.0, second[third] - 1800.0]
    return cases, steps, at


def write(table: pa.Table, path: Path) -> None:
    """Write the log as Parquet, CSV (ISO times with +03:00) or JSONL, by extension."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path, row_group_size=1 << 18)
        return
    import pyarrow.compute as pc

    local = pc.add(table["at"].cast(pa.timestamp("s")), pa.scalar(RIYADH_OFFSET, pa.duration("s")))
    text = pc.utf8_replace_slice(pc.strftime(local, format="%Y-%m-%dT%H:%M:%S"), 19, 19, "+03:00")
    table = table.set_column(table.schema.get_field_index("at"), "at", text)
    table = table.set_column(1, "type", table["type"].cast(pa.string()))
    if suffix == ".csv":
        import pyarrow.csv as pcsv

        pcsv.write_csv(table, path)
    elif suffix == ".jsonl":
        import json

        with open(path, "w", encoding="utf-8") as out:
            for row in table.to_pylist():
                out.write(json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False) + "\n")
    else:
        raise SystemExit(f"unknown output format: {path}")


def main(argv: list[str] | None = None) -> int:
    """Command line: loggen.py N OUT [--policy harif] [--seed 0] [--shuffle]."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("events", type=float, help="about how many events (e.g. 1e7)")
    parser.add_argument("out", type=Path, help="output file: .parquet, .csv or .jsonl")
    parser.add_argument("--policy", default=HARIF)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shuffle", action="store_true", help="rows not grouped by case")
    args = parser.parse_args(argv)
    table = generate(int(args.events), args.policy, args.seed, args.shuffle)
    write(table, args.out)
    print(f"{table.num_rows} events written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
