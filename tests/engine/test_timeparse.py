"""Instants as cases write them: offsets honoured, local times, bare dates, Hijri."""

import datetime as dt

import pytest

from policykit.timeparse import TimeFormatError, hijri_to_gregorian, iso, parse_instant, zone

RIYADH = zone("Asia/Riyadh")


def test_offset_is_honoured_and_rendered_locally():
    instant = parse_instant("2025-03-02T22:30:00Z", RIYADH)
    assert iso(instant, RIYADH) == "2025-03-03T01:30:00+03:00"


def test_time_without_offset_is_local():
    assert iso(parse_instant("2025-03-30T11:00", RIYADH), RIYADH) == "2025-03-30T11:00:00+03:00"


def test_bare_date_is_start_of_local_day():
    assert parse_instant("2025-03-04", RIYADH) == dt.datetime(2025, 3, 4, tzinfo=RIYADH)
    assert parse_instant("2025-03-04", zone("UTC")).utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("text", ["1446-09-29H", "1446-09-29 هـ", "1446-9-29h", "1446-09-29هـ"])
def test_hijri_spellings(text):
    assert parse_instant(text, RIYADH) == dt.datetime(2025, 3, 29, tzinfo=RIYADH)


def test_hijri_day_thirty_of_a_29_day_month_fails():
    with pytest.raises(TimeFormatError, match="1446-09-30"):
        parse_instant("1446-09-30H", RIYADH)
    assert hijri_to_gregorian(1446, 10, 1) == dt.date(2025, 3, 30)


@pytest.mark.parametrize("text", ["2025-02-30", "03/04/2025", "yesterday", "", "1600-01-01H", "2025-03-04T25:00"])
def test_rejected_forms(text):
    with pytest.raises(TimeFormatError):
        parse_instant(text, RIYADH)


def test_non_string_is_rejected():
    with pytest.raises(TimeFormatError, match="string"):
        parse_instant(20250304, RIYADH)


@pytest.mark.parametrize("text", ["29/9/1446هـ", "29/09/1446 هـ", "٢٩/٩/١٤٤٦هـ", "١٤٤٦-٠٩-٢٩H", "٢٠٢٥-٠٣-٢٩",
                                  "۲۰۲۵-۰۳-۲۹"])
def test_hijri_day_first_and_arabic_indic_digits(text):
    assert parse_instant(text, RIYADH) == dt.datetime(2025, 3, 29, tzinfo=RIYADH)


@pytest.mark.parametrize("text", ["03/04/2025", "25/03/2025", "3-4-2025 10:00", "03.04.2025"])
def test_day_month_order_is_never_guessed(text):
    with pytest.raises(TimeFormatError, match="ambiguous date") as caught:
        parse_instant(text, RIYADH)
    assert "--date-format" not in str(caught.value)  # only batch takes a declared form: it adds the hint itself


def test_only_batch_tells_of_date_format(tmp_path):
    """check (a case file, --as-of) has no --date-format: its ambiguous-date message told the user to pass one,
    and `policykit check --date-format` is a usage error. batch, which has it, still says so."""
    import io

    from policykit.cli import main

    case = tmp_path / "case.yaml"
    case.write_text("case_id: C1\npolicy: harif\nevents:\n"
                    "  - {type: request_received, at: '03/04/2025', channel: interview}\n", encoding="utf-8")
    for argv in (["check", str(case), "--as-of", "2025-05-01"], ["check", str(case), "--as-of", "03/05/2025"]):
        err = io.StringIO()
        assert main(argv, io.StringIO(), err) == 2
        assert "ambiguous date" in err.getvalue() and "--date-format" not in err.getvalue()
    log = tmp_path / "log.csv"
    log.write_text("case_id,type,at,channel\nC1,request_received,03/04/2025,interview\n", encoding="utf-8")
    assert main(["batch", str(log), "--policy", "harif", "--as-of", "2025-05-01", "--out", str(tmp_path / "v.jsonl")],
                io.StringIO(), io.StringIO()) == 2
    reason = (tmp_path / "v.jsonl.rejects.csv").read_text(encoding="utf-8")
    assert "ambiguous date" in reason and "--date-format" in reason


def test_declared_form_is_tried_first_and_iso_still_reads():
    assert parse_instant("03/04/2025 10:30", RIYADH, "%d/%m/%Y %H:%M") == dt.datetime(2025, 4, 3, 10, 30,
                                                                                     tzinfo=RIYADH)
    assert parse_instant("٠٣/٠٤/٢٠٢٥", RIYADH, "%d/%m/%Y") == dt.datetime(2025, 4, 3, tzinfo=RIYADH)
    assert parse_instant("2025-04-03", RIYADH, "%d/%m/%Y") == dt.datetime(2025, 4, 3, tzinfo=RIYADH)


@pytest.mark.parametrize("text, hour", [("04/03/2025 09:15 ص", 9), ("04/03/2025 09:15 م", 21),
                                        ("04/03/2025 09:15م", 21), ("٠٤/٠٣/٢٠٢٥ ١٢:١٥ ص", 0),
                                        ("04/03/2025 12:15 م", 12), ("04/03/2025 09:15 مساءً", 21),
                                        ("04/03/2025 09:15 صباحا", 9), ("04/03/2025 09:15 PM", 21)])
@pytest.mark.parametrize("form", ["%d/%m/%Y %I:%M %p", "%d/%m/%Y %I:%M%p"])
def test_arabic_am_pm_markers_fit_a_declared_p(text, hour, form):
    assert parse_instant(text, RIYADH, form) == dt.datetime(2025, 3, 4, hour, 15, tzinfo=RIYADH)


@pytest.mark.parametrize("text, why", [("04/03/2025 09:15", "needs its AM/PM marker"),
                                       ("04/03/2025 09:15 م ص", "more than one AM/PM marker"),
                                       ("04/03/2025 09:15 ص PM", "does not fit")])
def test_a_twelve_hour_time_the_declared_form_cannot_place_is_refused(text, why):
    with pytest.raises(TimeFormatError, match=why):
        parse_instant(text, RIYADH, "%d/%m/%Y %I:%M %p")


def test_the_gregorian_year_mark_is_not_read_as_pm():
    # «2025م» marks a Gregorian year: a marker counts only alone or right after the minutes
    with pytest.raises(TimeFormatError):
        parse_instant("04/03/2025م 09:15", RIYADH, "%d/%m/%Y %I:%M %p")


def test_a_hijri_year_without_its_marker_is_explained():
    with pytest.raises(TimeFormatError, match="Hijri date needs its marker"):
        parse_instant("03/09/1446", RIYADH, "%d/%m/%Y")
    with pytest.raises(TimeFormatError, match="1446-09-30"):
        parse_instant("30/9/1446هـ", RIYADH)


def test_case_files_read_the_same_forms(tmp_path):
    from policykit.case import load_case

    case = tmp_path / "case.yaml"
    case.write_text("case_id: H-1\npolicy: harif\nevents:\n"
                    "  - {type: request_received, at: '٢/٩/١٤٤٦هـ', channel: interview}\n"
                    "  - {type: request_completed, at: '2025-03-04T10:00'}\n", encoding="utf-8")
    loaded = load_case(case)
    assert str(loaded.events[0].at)[:10] == "2025-03-02"
    case.write_text("case_id: H-1\npolicy: harif\nevents:\n"
                    "  - {type: request_received, at: '03/04/2025', channel: interview}\n", encoding="utf-8")
    from policykit.diagnostics import PolicykitError

    with pytest.raises(PolicykitError, match="ambiguous date"):
        load_case(case)
