"""Write the sample export of examples/exports/ as an association's case system saves it from Excel.

`python examples/exports/make_samples.py` rewrites `harif_export.csv` (CSV UTF-8 as Excel saves it: BOM,
`;` between fields in an Arabic locale, dates as dd/mm/yyyy hh:mm, some Hijri) and `harif_export.xlsx` (the
same rows, dates as date cells), both with the Arabic column headers of `columns.yml`.  Needs openpyxl."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = ["رقم الطلب", "الإجراء", "التاريخ", "القناة", "قناة التواصل المتفق عليها", "النتيجة", "ملاحظات الموظف"]
D = dt.datetime
ROWS = [
    # answered in time, every step in order
    ["ح-2025-001", "request_received", D(2025, 3, 2, 9, 15), "interview", "phone", "", "حضر بنفسه"],
    ["ح-2025-001", "requirements_explained", D(2025, 3, 2, 9, 30), "", "", "", ""],
    ["ح-2025-001", "data_verified", D(2025, 3, 3, 10, 0), "", "", "", ""],
    ["ح-2025-001", "declaration_signed", D(2025, 3, 3, 10, 30), "", "", "", ""],
    ["ح-2025-001", "request_completed", D(2025, 3, 4, 12, 0), "", "", "", ""],
    ["ح-2025-001", "applicant_informed", D(2025, 3, 5, 9, 0), "", "", "", ""],
    ["ح-2025-001", "referred_to_committee", D(2025, 3, 6, 11, 0), "", "", "", ""],
    ["ح-2025-001", "decision_notified", D(2025, 3, 18, 13, 0), "phone", "", "approved", ""],
    # answered late, by a channel other than the one agreed
    ["ح-2025-002", "request_received", D(2025, 3, 9, 8, 40), "website", "email", "", ""],
    ["ح-2025-002", "request_completed", "1446-09-12H", "", "", "", "اكتمل بعد إحضار الصك"],
    ["ح-2025-002", "applicant_informed", D(2025, 3, 13, 9, 0), "", "", "", ""],
    ["ح-2025-002", "decision_notified", D(2025, 4, 20, 10, 0), "phone", "", "rejected", ""],
    # never answered: open and overdue
    ["ح-2025-003", "request_received", D(2025, 4, 1, 10, 0), "phone", "phone", "", ""],
    ["ح-2025-003", "request_completed", "8/10/1446هـ", "", "", "", ""],
    ["ح-2025-003", "applicant_informed", D(2025, 4, 7, 9, 30), "", "", "", ""],
    # still within its window
    ["ح-2025-004", "request_received", D(2025, 5, 18, 9, 0), "interview", "", "", ""],
    ["ح-2025-004", "request_completed", D(2025, 5, 20, 9, 0), "", "", "", ""],
    # decided without telling the applicant first
    ["ح-2025-005", "request_received", D(2025, 4, 13, 11, 0), "email", "email", "", ""],
    ["ح-2025-005", "request_completed", D(2025, 4, 14, 11, 0), "", "", "", ""],
    ["ح-2025-005", "decision_notified", D(2025, 4, 24, 12, 0), "email", "", "approved", ""],
    # a complaint, settled
    ["ح-2025-006", "complaint_received", D(2025, 5, 4, 9, 0), "fax", "", "", ""],
    ["ح-2025-006", "complaint_resolved", D(2025, 5, 11, 14, 0), "", "", "", ""],
]


def _text(value) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if isinstance(value, dt.datetime) else value


def main() -> None:
    """Write both files."""
    with open(HERE / "harif_export.csv", "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows([_text(v) for v in row] for row in ROWS)
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "الطلبات"
    sheet.sheet_view.rightToLeft = True
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append([v if v != "" else None for v in row])
        if isinstance(row[2], dt.datetime):
            sheet.cell(sheet.max_row, 3).number_format = "dd/mm/yyyy hh:mm"
    book.save(HERE / "harif_export.xlsx")


if __name__ == "__main__":
    main()
