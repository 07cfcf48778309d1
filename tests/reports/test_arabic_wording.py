"""Issue 13: Arabic that reads as a Saudi officer writes it — counts, agreement, labels not ids, one term."""

import re

import pytest

from policykit import findings_text as say
from policykit.loader import load_policy
from policykit.policy_text import render_policy
from policykit.report import labels

FIVE = ["green_energy", "saddad", "khairat_albaha", "harif", "suqya"]
LATIN = re.compile(r"[A-Za-z]")


def test_lateness_counts_agree_with_their_noun():
    assert "والتأخير: يوما عمل." in say.deadline_late(("أ", "a"), "x", "y", 2, "working_days").ar
    assert "يوم عمل واحد" in say.deadline_overdue(("أ", "a"), "y", 1, "working_days").ar
    assert "١١ يوماً" in say.deadline_overdue(("أ", "a"), "y", 11, "calendar_days").ar
    assert "2 working days" in say.deadline_late(("أ", "a"), "x", "y", 2, "working_days").en
    assert "1 working day " in say.deadline_late(("أ", "a"), "x", "y", 1, "working_days").en
    assert labels.late_by({"working_days": 3}, "ar") == "٣ أيام عمل"


def test_no_english_ids_in_arabic_sentences():
    for sentence in (say.channel_breached("email", "phone").ar, say.channel_met("phone").ar,
                     say.nothing_agreed(("استقبال", "x"), "agreed_channel").ar,
                     say.unknown(["decision_notified.outcome (event #6)"]).ar):
        assert not LATIN.search(sentence), sentence
    assert "«نتيجة الطلب» في «إبلاغ المستفيد بالقبول أو الرفض» (الحدث رقم ٦)" in say.unknown(
        ["decision_notified.outcome (event #6)"]).ar


def test_status_words_agree_with_what_they_describe():
    assert labels.status("met", "ar") == "مستوفاة"  # القاعدة
    assert labels.status("not_applicable", "ar") == "لا تنطبق"
    assert labels.status("undetermined", "ar") == "غير محسومة"
    assert labels.status("undetermined", "ar", "compensation") == "غير محسوم"  # التعويض
    assert labels.status("non_compliant", "ar") == "غير ملتزمة"  # الحالة


def test_one_term_for_explanation_that_is_not_a_reading():
    term = labels.word("explanation", "ar")
    assert term == "التعليل"
    assert term not in (labels.word("reading", "ar"), *(r["ar"] for r in labels.READING.values()))
    assert "تفسير" not in term and "قراءة" not in term


def test_an_order_rule_shows_the_event_that_decided_it():
    assert labels.fulfilled_word("order", "ar") == "تاريخ الحدث الحاسم"
    assert labels.fulfilled_word("deadline", "ar") == "تاريخ الوفاء"
    assert labels.trigger_word("order", "en") == "Earlier event"


@pytest.mark.parametrize("pid", FIVE)
def test_show_in_arabic_is_arabic(pid):
    text = render_policy(load_policy(pid), "text", "ar", width=200)
    # quotations of the source («…» and [ref] «…») and contact values are the document's own
    bare = re.sub(r"«[^»]*»", "", text)
    for contact in load_policy(pid).association.contacts:
        bare = bare.replace(contact.value, "")
    assert not LATIN.search(bare), [line for line in bare.splitlines() if LATIN.search(line)][:5]
    assert "مهلة" in text and "الأحد" in text


def test_show_in_arabic_names_contact_fields():
    text = render_policy(load_policy("harif"), "text", "ar", width=200)
    assert "الهاتف: 013 882 0058" in text and "البريد الإلكتروني: info@harif.org.sa" in text
    assert "خلال ١٥ يوم عمل" in text


def test_reports_date_an_order_rule_by_its_deciding_event_and_name_rules_by_label(tmp_path):
    import io

    from policykit.cli import main

    case = tmp_path / "case.yaml"
    case.write_text("case_id: W-1\npolicy: harif\nevents:\n"
                    "  - {type: request_received, at: '2025-03-02T09:00:00+03:00', channel: interview}\n"
                    "  - {type: request_completed, at: '2025-03-03'}\n"
                    "  - {type: referred_to_committee, at: '2025-03-04T10:00'}\n", encoding="utf-8")
    out = io.StringIO()
    main(["check", str(case), "--as-of", "2025-03-05", "--lang", "ar"], out, io.StringIO())
    text = out.getvalue()
    # verify_before_committee is breached by the referral of 4 March: that is the date shown, so named
    assert "تاريخ الحدث الحاسم: الثلاثاء 4 مارس 2025م" in text, text
    out = io.StringIO()
    main(["check", str(case), "--as-of", "2025-03-05", "--lang", "ar", "--format", "markdown"], out, io.StringIO())
    assert "verify_before_committee" not in out.getvalue() and "requirements_before_committee" not in out.getvalue()


def test_the_arabic_guide_explains_the_roll_forward_and_the_literal_reading():
    """docs/guide.ar.md's examples are what the engine decides (scenarios eid_al_fitr_rollover_met and
    literal_reading_early_answer_breached)."""
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "guide.ar.md").read_text(encoding="utf-8")
    assert "ترحيلها إلى يوم العمل التالي" in guide and "### القراءة الحرفية" in guide
    assert "الخميس ٣ أبريل ٢٠٢٥م" in guide and "الأحد ١٩ يناير" in guide
    from policykit.calendar import calendar_for
    from policykit.model import Calendar
    import datetime as dt
    from zoneinfo import ZoneInfo

    cal = calendar_for(Calendar())
    start = dt.datetime(2025, 3, 17, 9, tzinfo=ZoneInfo("Asia/Riyadh"))
    assert cal.due(start, 14, "calendar_days").date() == dt.date(2025, 4, 3)
    assert cal.not_before(dt.datetime(2025, 1, 5, 9, tzinfo=ZoneInfo("Asia/Riyadh")), 14,
                          "calendar_days").date() == dt.date(2025, 1, 19)


def test_compensation_and_notes_name_facts_and_channels_in_arabic():
    from policykit.case import case_from_document
    from policykit.engine import evaluate
    from policykit.source import Document

    events = [{"type": "request_received", "at": "2025-03-02T09:00:00+03:00", "channel": "social_media"},
              {"type": "request_completed", "at": "2025-04-03"}]
    case = case_from_document(Document({"case_id": "W-2", "events": events}, "case.yaml", {}), "harif")
    verdict = evaluate(case.policy, case, "2025-03-10")
    assert not LATIN.search(verdict.compensation.explanation.ar), verdict.compensation.explanation.ar
    assert "«ثبوت تسبب الجمعية في الضرر»" in verdict.compensation.explanation.ar
    for note in verdict.notes:
        assert not LATIN.search(note.message.ar), note.message.ar
    assert any("الأحداث رقم ١" in n.message.ar for n in verdict.notes)
