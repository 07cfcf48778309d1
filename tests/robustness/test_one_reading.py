"""One value, one reading: the same case id, event type, attribute, instant or fact is read alike by `check` (a
case file, YAML or JSON), `batch` (a CSV log as a spreadsheet writes it, a JSONL log) and a live session (a posted
event), as policykit.values says: ids without the spaces around them, an empty attribute absent, facts as
true/false words; everything a path refuses, every path refuses."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from policykit.cli import main

AS_OF = "2025-04-30"
BASE = [{"type": "request_received", "at": "2025-03-02T09:15", "channel": "interview", "agreed_channel": "phone"},
        {"type": "request_completed", "at": "2025-03-04"},
        {"type": "decision_notified", "at": "2025-03-06T10:00", "channel": "phone", "outcome": "approved"}]


def _with(index: int, **values) -> list[dict]:
    events = [dict(e) for e in BASE]
    events[index].update(values)
    return events


def _view(verdict: dict) -> tuple:
    """What a reading decides: the case, its status, each finding's status and instants, compensation."""
    return (verdict["case_id"], verdict["status"], verdict["compensation"]["status"],
            tuple((f["rule"], f["status"], f.get("trigger_at"), f.get("fulfilled_at")) for f in verdict["findings"]))


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def _check(path: Path) -> object:
    code, out, err = _run("check", str(path), "--as-of", AS_OF, "--format", "json")
    assert code in (0, 1, 2) and "Traceback" not in err
    return _view(json.loads(out)) if code != 2 else "refused"


def _batch(path: Path) -> object:
    verdicts = path.with_suffix(".verdicts.jsonl")
    code, _, err = _run("batch", str(path), "--policy", "harif", "--as-of", AS_OF, "--out", str(verdicts))
    assert "Traceback" not in err
    rows = [json.loads(line) for line in verdicts.read_text(encoding="utf-8").splitlines()]
    if len(rows) == 1 and not rows[0].get("incomplete"):
        return _view(rows[0])
    assert code == 2 and all(r.get("incomplete") for r in rows), err  # a rejected row: the case incomplete
    return "refused"


def _live(case_id, events: list[dict], facts: dict | None, one_by_one: bool) -> object:
    pytest.importorskip("durable", reason="live sessions need durable-rules (the live extra)")
    from policykit.diagnostics import PolicykitError
    from policykit.live import LiveSession

    session = LiveSession("harif")
    items = [(case_id, dict(e), facts) if facts else (case_id, dict(e)) for e in events]
    try:
        if one_by_one:
            for item in items:
                session.post_many([item])
        else:
            session.post_many(items)
    except PolicykitError:
        return "refused"
    session.advance(AS_OF + "T00:00:00+03:00")
    (held,) = list(session.cases)
    return _view(session.verdict(held).to_json_dict())


def readings(tmp_path: Path, case_id, events: list[dict], facts: dict | None = None) -> dict[str, object]:
    """The reading of one case by every path."""
    case = {"case_id": case_id, "policy": "harif", "events": events, **({"facts": facts} if facts else {})}
    (tmp_path / "case.json").write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    found = {"check json": _check(tmp_path / "case.json")}
    columns = ["case_id", "type", "at", *sorted({k for e in events for k in e} - {"type", "at"}), *sorted(facts or {})]
    with open(tmp_path / "log.csv", "w", encoding="utf-8-sig", newline="") as handle:  # as Excel's CSV UTF-8
        writer = csv.writer(handle)
        writer.writerow(columns)
        for event in events:
            cells = {"case_id": case_id, **event, **(facts or {})}
            writer.writerow(["" if cells.get(c) is None else cells[c] for c in columns])
    found["batch csv"] = _batch(tmp_path / "log.csv")
    with open(tmp_path / "log.jsonl", "w", encoding="utf-8") as handle:
        for event in events:
            handle.write(json.dumps({"case_id": case_id, **event, **(facts or {})}, ensure_ascii=False) + "\n")
    found["batch jsonl"] = _batch(tmp_path / "log.jsonl")
    found["live post_many"] = _live(case_id, events, facts, one_by_one=False)
    found["live one by one"] = _live(case_id, events, facts, one_by_one=True)
    return found


SAME = {
    "type with spaces": ("H1", _with(1, type=" request_completed "), None),
    "channel with a trailing space": ("H1", _with(2, channel="phone "), None),
    "agreed channel with a no-break space": ("H1", _with(0, agreed_channel="phone\u00a0"), None),
    "outcome with a leading tab": ("H1", _with(2, outcome="\tapproved"), None),
    "case id with spaces": (" H1 ", BASE, None),
    "an empty agreed channel": ("H1", _with(0, agreed_channel=""), None),
    "a blank agreed channel": ("H1", _with(0, agreed_channel="  "), None),
    "a null agreed channel": ("H1", _with(0, agreed_channel=None), None),
    "fact true": ("H1", BASE, {"association_caused_harm": True}),
    "fact 'true'": ("H1", BASE, {"association_caused_harm": "true"}),
    "fact 'Yes'": ("H1", BASE, {"association_caused_harm": "Yes"}),
    "fact 1": ("H1", BASE, {"association_caused_harm": 1}),
    "fact 'نعم'": ("H1", BASE, {"association_caused_harm": "نعم"}),
    "fact 'لا'": ("H1", BASE, {"association_caused_harm": "لا"}),
    "fact ' no '": ("H1", BASE, {"association_caused_harm": " no "}),
    "at with a space for T": ("H1", _with(1, at="2025-03-04 10:00"), None),
    "at in UTC with Z": ("H1", _with(1, at="2025-03-04T07:00Z"), None),
    "at in Arabic-Indic digits": ("H1", _with(1, at="٢٠٢٥-٠٣-٠٤T١٠:٠٠"), None),
    "at as a Hijri date": ("H1", _with(1, at="٤/٩/١٤٤٦ هـ"), None),
    "at with a fraction of a second": ("H1", _with(1, at="2025-03-04T10:00:00.25"), None),
    "at before 1947 (Riyadh's LMT)": ("H1", _with(1, at="1930-03-04T10:00"), None),
}

REFUSED = {
    "a channel in capitals": ("H1", _with(2, channel="Phone"), None),
    "an outcome in capitals": ("H1", _with(2, outcome="Approved"), None),
    "a type in capitals": ("H1", _with(1, type="Request_Completed"), None),
    "a fact 'maybe'": ("H1", BASE, {"association_caused_harm": "maybe"}),
    "a fact 2": ("H1", BASE, {"association_caused_harm": 2}),
    "30 Ramadan 1446": ("H1", _with(1, at="1446-09-30H"), None),
    "an ambiguous day-month date": ("H1", _with(1, at="04/03/2025"), None),
    "a blank type": ("H1", _with(1, type="  "), None),
}


@pytest.mark.parametrize("name", list(SAME))
def test_every_path_reads_the_value_alike(tmp_path: Path, name: str) -> None:
    case_id, events, facts = SAME[name]
    found = readings(tmp_path, case_id, events, facts)
    assert "refused" not in found.values(), found
    assert len(set(found.values())) == 1, found


@pytest.mark.parametrize("name", list(REFUSED))
def test_every_path_refuses_the_value(tmp_path: Path, name: str) -> None:
    case_id, events, facts = REFUSED[name]
    assert set(readings(tmp_path, case_id, events, facts).values()) == {"refused"}


def test_a_trimmed_value_is_the_plain_one(tmp_path: Path) -> None:
    """Trimming is no reading of its own: ' H1' and 'phone ' give the verdict 'H1' and 'phone' give, on every path."""
    (tmp_path / "plain").mkdir()
    (tmp_path / "spaced").mkdir()
    plain = readings(tmp_path / "plain", "H1", BASE)
    spaced = readings(tmp_path / "spaced", " H1", _with(2, channel=" phone", outcome="approved "))
    assert plain == spaced


def test_str_strip_trims_what_arrow_trims() -> None:
    """values.id_text (str.strip) and batch's pyarrow.compute.utf8_trim_whitespace trim the same characters."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.compute as pc

    from policykit.values import id_text

    points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    texts = [f"{chr(c)}a{chr(c)}" for c in points]
    assert pc.utf8_trim_whitespace(pa.array(texts)).to_pylist() == [id_text(t) for t in texts]


def test_a_whole_number_case_id_is_its_digits_in_every_log_format(tmp_path: Path) -> None:
    """pandas writes integer ids with a gap as floats: JSONL's 42.0 was the case '42.0' while the same column in
    Parquet (and any number in an Excel sheet) is the case '42'."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    ids = [42.0, 43.0, 1.5]
    row = {"type": "request_received", "at": "2025-03-02", "channel": "interview"}
    pq.write_table(pa.table({"case_id": ids, **{k: [v] * len(ids) for k, v in row.items()}}), tmp_path / "log.parquet")
    (tmp_path / "log.jsonl").write_text("".join(json.dumps({"case_id": c, **row}) + "\n" for c in ids),
                                        encoding="utf-8")
    found = {}
    for name in ("log.parquet", "log.jsonl"):
        verdicts = tmp_path / f"{name}.verdicts.jsonl"
        assert _run("batch", str(tmp_path / name), "--policy", "harif", "--as-of", AS_OF, "--out", str(verdicts))[0] == 0
        found[name] = sorted(json.loads(line)["case_id"] for line in verdicts.read_text(encoding="utf-8").splitlines())
    assert found == {"log.parquet": ["1.5", "42", "43"], "log.jsonl": ["1.5", "42", "43"]}


def test_a_header_is_read_without_its_spaces_in_every_log_format(tmp_path: Path) -> None:
    """'case_id ' and ' channel' (pandas keeps an Excel header's trailing space into Parquet) were the columns
    case_id and channel in a CSV or XLSX log but unknown ones in Parquet and JSONL: the Parquet log was refused
    ('no case_id column'; mapping it was impossible: a mapped header is trimmed) and JSONL lost the channel."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    events = _with(2, channel="email")  # decided by the agreed channel: lost with the column, the verdict changes
    spaced = {"case_id": "case_id ", "type": " type", "at": "at", "channel": " channel ", "agreed_channel":
              "agreed_channel\u00a0", "outcome": "outcome"}
    rows = [{spaced[k]: e.get(k) for k in spaced} for e in [{**e, "case_id": "H1"} for e in events]]
    with open(tmp_path / "log.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(spaced.values()))
        writer.writerows([["" if v is None else v for v in row.values()] for row in rows])
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "log.parquet")
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                        encoding="utf-8")
    (tmp_path / "case.json").write_text(json.dumps({"case_id": "H1", "policy": "harif", "events": events}),
                                        encoding="utf-8")
    found = {name: _batch(tmp_path / name) for name in ("log.csv", "log.parquet", "log.jsonl")}
    expected = _check(tmp_path / "case.json")
    assert expected != "refused" and ("decision_via_agreed_channel", "breached") in [f[:2] for f in expected[3]]
    assert found == {name: expected for name in found}


def test_two_jsonl_keys_that_trim_to_one_read_column_are_a_duplicate_column(tmp_path: Path) -> None:
    """As two CSV header fields 'channel' and 'channel ' are: which one holds the value cannot be told. Ignored
    keys may repeat."""
    log = tmp_path / "log.jsonl"
    log.write_text('{"case_id": "H1", "type": "request_received", "at": "2025-03-02", "channel": "interview"}\n'
                   '{"case_id": "H1", "type": "request_completed", "at": "2025-03-04", "note": 1, "note ": 2}\n'
                   '{"case_id": "H1", "type": "request_completed", "at": "2025-03-04", "channel": "phone", '
                   '"channel ": "fax"}\n', encoding="utf-8")
    code, _, err = _run("batch", str(log), "--policy", "harif", "--as-of", AS_OF, "--out", str(tmp_path / "v.jsonl"))
    assert (code, err) == (2, f"{log}:3: duplicate-column: keys of one row name the column 'channel' twice once the "
                              "spaces around them are read off; rename or remove all but one\n")


@pytest.mark.parametrize("value", [True, False, [1], {"a": 1}])
def test_a_case_id_that_is_no_id_is_refused_by_every_path(tmp_path: Path, value) -> None:
    """JSONL took `"case_id": true` as the case 'true' while a case file and a posted event refuse it (wrong-type);
    a list under the key 'case_id ' passed as its JSON text."""
    found = readings(tmp_path, value, BASE)
    del found["batch csv"]  # a CSV cell is text: the text True is an id like any other
    assert set(found.values()) == {"refused"}, found
    (tmp_path / "spaced.jsonl").write_text(json.dumps({"case_id ": value, **BASE[0]}) + "\n", encoding="utf-8")
    _batch(tmp_path / "spaced.jsonl")
    rejects = (tmp_path / "spaced.verdicts.jsonl.rejects.csv").read_text(encoding="utf-8").splitlines()
    assert len(rejects) == 2 and ',1,"case_id is ' in rejects[1], rejects


def test_a_live_fact_error_names_its_case_as_an_event_error_does() -> None:
    """A posted event's error is located at '<live H1>'; a posted fact's said '<case>', naming no case."""
    pytest.importorskip("durable", reason="live sessions need durable-rules (the live extra)")
    from policykit.diagnostics import PolicykitError
    from policykit.live import LiveSession

    session = LiveSession("harif")
    for post in (lambda: session.post_many([("H1", dict(BASE[1]), {"association_caused_harm": "maybe"})]),
                 lambda: session.set_facts("H1", {"association_caused_harm": "maybe"}),
                 lambda: session.post_many([("H1", {**BASE[1], "at": "1446-09-30H"})])):
        with pytest.raises(PolicykitError) as caught:
            post()
        assert str(caught.value).startswith("<live H1>"), str(caught.value)


@pytest.mark.parametrize("number", [42, 123456789012, 10 ** 16, 2 ** 53 + 2])
def test_a_whole_number_case_id_reads_as_its_digits_from_every_numeric_column(tmp_path: Path, number) -> None:
    """Excel writes numeric ids as floats (an .xlsx cell, pandas' Parquet double): a Parquet double
    123456789012.0 was the case '1.23456789012e+11' (Arrow's text for it) and a decimal 42.0 the case '42.0',
    while the same number from an .xlsx sheet, JSONL, a case file or a live event is its digits."""
    import decimal

    pa = pytest.importorskip("pyarrow")
    openpyxl = pytest.importorskip("openpyxl")
    import pyarrow.parquet as pq

    events = BASE
    expected = readings(tmp_path, number, events)  # check json, batch csv/jsonl, live: the integer id
    assert {v if v == "refused" else v[0] for v in expected.values()} == {str(number)}, expected
    columns = {k: [e.get(k) for e in events] for k in ("type", "at", "channel", "agreed_channel", "outcome")}
    logs = {f"{kind}.parquet": pa.array([value] * len(events), kind_type)
            for kind, kind_type, value in [("double", pa.float64(), float(number)), ("int", pa.int64(), number),
                                           ("decimal", pa.decimal128(38, 2), decimal.Decimal(number))]}
    for name, ids in logs.items():
        pq.write_table(pa.table({"case_id": ids, **columns}), tmp_path / name)
    sheet = openpyxl.Workbook()
    sheet.active.append(["case_id", *columns])
    for index in range(len(events)):
        sheet.active.append([float(number), *(columns[c][index] for c in columns)])
    sheet.save(tmp_path / "float.xlsx")
    found = {name: _batch(tmp_path / name) for name in [*logs, "float.xlsx"]}
    assert found == {name: expected["batch jsonl"] for name in found}
    # and judged in parallel, row group by row group, each group's edge cases matched by their ids
    pq.write_table(pa.table({"case_id": logs["double.parquet"], **columns}), tmp_path / "groups.parquet",
                   row_group_size=1)
    verdicts = tmp_path / "groups.verdicts.jsonl"
    _run("batch", str(tmp_path / "groups.parquet"), "--policy", "harif", "--as-of", AS_OF, "--out", str(verdicts),
         "--workers", "2")
    rows = [json.loads(line) for line in verdicts.read_text(encoding="utf-8").splitlines()]
    assert [_view(r) for r in rows] == [expected["batch jsonl"]]


def test_an_xes_float_case_id_is_its_digits_as_a_jsonl_number_is(tmp_path: Path) -> None:
    """`<float key="concept:name" value="42.0"/>` was the case '42.0'; JSONL's 42.0 is the case '42'."""
    events = "".join(f'<event><string key="concept:name" value="{e["type"]}"/>'
                     f'<date key="time:timestamp" value="{e["at"]}"/>'
                     + "".join(f'<string key="{k}" value="{v}"/>' for k, v in e.items() if k not in ("type", "at"))
                     + "</event>" for e in BASE)
    (tmp_path / "log.xes").write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0"><trace>'
                                      f'<float key="concept:name" value="42.0"/>{events}</trace></log>\n',
                                      encoding="utf-8")
    assert _batch(tmp_path / "log.xes") == readings(tmp_path, 42.0, BASE)["batch jsonl"]


def test_a_boolean_parquet_case_id_is_refused_as_a_jsonl_one_is(tmp_path: Path) -> None:
    """A Parquet column of booleans was read as the cases 'true' and 'false', which JSONL, a case file and a
    posted event refuse ('case_id is true or false, not an id')."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    row = {"type": "request_received", "at": "2025-03-02", "channel": "interview"}
    pq.write_table(pa.table({"case_id": [True, False, None], **{k: [v] * 3 for k, v in row.items()}}),
                   tmp_path / "log.parquet")
    verdicts = tmp_path / "log.verdicts.jsonl"
    code, _, err = _run("batch", str(tmp_path / "log.parquet"), "--policy", "harif", "--as-of", AS_OF,
                        "--out", str(verdicts))
    assert code == 2 and "Traceback" not in err
    assert verdicts.read_text(encoding="utf-8") == ""  # no case 'true' nor 'false'
    rejects = list(csv.reader(io.StringIO((tmp_path / "log.verdicts.jsonl.rejects.csv").read_text(encoding="utf-8"))))
    assert [row[1:] for row in rejects[1:]] == [["1", "case_id is true or false, not an id"],
                                                            ["2", "case_id is true or false, not an id"],
                                                            ["3", "missing case_id"]]
