"""POST /v1/batch reads an export as `policykit batch` does with its options: `encoding`, `sheet`, `date_format`,
`column=NAME=HEADER` (repeatable); a bad option is refused before the job is accepted, at its parameter; the rows
rejected are served with why (GET /v1/batch/{job}/rejects). Against a real uvicorn server."""

from __future__ import annotations

import json

import pytest

from .test_live_batch import error_codes, wait_done

pytest.importorskip("pyarrow")

HEADERS = ("رقم الطلب", "الإجراء", "التاريخ", "القناة")
ROWS = [("ط-1", "request_received", "02/03/2025 09:00", "phone"),
        ("ط-1", "request_completed", "04/03/2025 10:00", ""),
        ("ط-1", "decision_notified", "20/04/2025 11:00", "phone"),
        ("ط-2", "request_received", "05/03/2025 09:00", "phone"),
        ("ط-2", "no_such_event", "06/03/2025 09:00", "")]
OPTIONS = {"encoding": "cp1256", "date_format": "%d/%m/%Y %H:%M",
           "column": ["case_id=رقم الطلب", "type=الإجراء", "at=التاريخ", "channel=القناة"]}


def _excel_csv() -> bytes:
    """What Excel's plain 'CSV' saves on an Arabic Windows: the Windows code page, semicolons, CRLF."""
    lines = [";".join(HEADERS)] + [";".join(row) for row in ROWS]
    return ("\r\n".join(lines) + "\r\n").encode("cp1256")


def test_an_arabic_windows_export_is_read_with_the_batch_options(api, tmp_path):
    from policykit.batch.column_map import build
    from policykit.batch.log_options import LogOptions
    from policykit.batch.runner import run_batch

    params = {"policy": "harif", "as_of": "2025-05-01", **OPTIONS}
    accepted = api.post("/v1/batch", params=params, content=_excel_csv(), headers={"Content-Type": "text/csv"})
    assert accepted.status_code == 202, accepted.text
    done = wait_done(api, accepted.json()["job"])
    assert done["state"] == "done", done
    log = tmp_path / "export.csv"
    log.write_bytes(_excel_csv())
    out = tmp_path / "expected.jsonl"
    run_batch(log, "harif", "2025-05-01", out=str(out), workers=1,
              options=LogOptions(encoding="cp1256", date_format="%d/%m/%Y %H:%M", columns=build(OPTIONS["column"])))
    assert done["verdicts"] == [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n") if line]
    assert {row["case_id"] for row in done["verdicts"]} == {"ط-1", "ط-2"}
    assert done["summary"]["rejected_rows"] == 1
    rejects = api.get(f"/v1/batch/{done['job']}/rejects")
    assert rejects.status_code == 200
    assert rejects.json() == [{"line": 6, "reason": "unknown event type 'no_such_event'"}]
    # the Excel verdicts are made from the upload with the same options
    assert api.get(f"/v1/batch/{done['job']}/verdicts.xlsx").content[:2] == b"PK"


def test_without_the_options_the_export_is_not_judged_silently(api):
    accepted = api.post("/v1/batch", params={"policy": "harif"}, content=_excel_csv(),
                        headers={"Content-Type": "text/csv"})
    done = wait_done(api, accepted.json()["job"])
    assert done["state"] == "failed" and error_codes_of(done) == ["not-utf8"]


def error_codes_of(state: dict) -> list[str]:
    return [item["code"] for item in state["errors"]]


@pytest.mark.parametrize("option,value,code", [
    ("encoding", "klingon-8", "invalid-value"),
    ("encoding", "rot13", "invalid-value"),  # Python codecs, not text encodings: the job was an internal error
    ("encoding", "base64", "invalid-value"),
    ("encoding", "zlib", "invalid-value"),
    ("date_format", "%d/%m", "invalid-value"),
    ("date_format", "%Q-%Y", "invalid-value"),
    ("column", "case_id", "invalid-value"),
    ("column", "=رقم الطلب", "invalid-value")])
def test_a_bad_option_is_refused_at_its_parameter_before_the_job(api, option, value, code):
    answer = api.post("/v1/batch", params={"policy": "harif", option: value}, content=_excel_csv())
    assert answer.status_code == 422, answer.text
    assert error_codes(answer) == [code] and answer.json()["errors"][0]["path"] == option
    assert "--" not in answer.json()["errors"][0]["message"]  # the command line's option names are not the API's


def test_a_column_policykit_does_not_read_fails_the_job_with_its_name(api):
    params = {"policy": "harif", **OPTIONS, "column": [*OPTIONS["column"], "case-id=المرجع"]}
    done = wait_done(api, api.post("/v1/batch", params=params, content=_excel_csv()).json()["job"])
    assert done["state"] == "failed" and error_codes_of(done) == ["unknown-column"]


def test_rejects_are_not_there_before_the_job_is_done(api):
    assert api.get("/v1/batch/0123456789abcdef0123456789abcdef/rejects").status_code == 404


def test_the_sheet_of_an_xlsx_export_is_the_one_named(api):
    import io

    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "notes"
    book.active.append(["not", "an", "export"])
    events = book.create_sheet("الأحداث")
    events.append(["case_id", "type", "at", "channel"])
    events.append(["X-1", "request_received", "2025-03-02T09:00:00+03:00", "phone"])
    data = io.BytesIO()
    book.save(data)
    accepted = api.post("/v1/batch", params={"policy": "harif", "as_of": "2025-05-01", "sheet": "الأحداث"},
                        content=data.getvalue())
    assert accepted.status_code == 202, accepted.text
    done = wait_done(api, accepted.json()["job"])
    assert done["state"] == "done", done
    assert [row["case_id"] for row in done["verdicts"]] == ["X-1"]
    missing = wait_done(api, api.post("/v1/batch", params={"policy": "harif", "sheet": "nowhere"},
                                      content=data.getvalue()).json()["job"])
    assert missing["state"] == "failed", missing
