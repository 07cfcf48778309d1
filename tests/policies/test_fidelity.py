"""Every Arabic quotation in a policy file (five words or more, anywhere) is verbatim from its own source."""

import pytest

from policykit.coverage import arabic_quotations, normalise, unverified_quotations
from policykit.loader import policies_dir, sources_dir
from policykit.source import load_file

FIVE = ["green_energy", "saddad", "khairat_albaha", "harif", "suqya"]


def raw_policy(pid):
    return load_file(policies_dir() / f"{pid}.yaml").data


def source_text(pid):
    return (sources_dir() / f"{pid}.ar.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("pid", FIVE)
def test_every_quotation_is_verbatim(pid):
    data = raw_policy(pid)
    assert len(list(arabic_quotations(data))) > 30
    assert unverified_quotations(data, source_text(pid)) == []


@pytest.mark.parametrize("pid", ["green_energy", "saddad", "suqya"])
def test_quotations_do_not_cross_sources(pid):
    # harif is written differently: most of a sister policy's clauses are not in it.
    stray = unverified_quotations(raw_policy(pid), source_text("harif"))
    assert len(stray) > 20


def test_a_changed_letter_is_caught():
    data = {"clause": {"text_ar": "تحدد المدة للرد على الطلب بمدة لا تتجاوز (١٦) يوم عمل"}}
    assert unverified_quotations(data, source_text("harif")) == [
        ("clause.text_ar", "تحدد المدة للرد على الطلب بمدة لا تتجاوز (١٦) يوم عمل")]


def test_corrected_typo_is_caught():
    fixed = {"text_ar": "التأكد على صحة البيانات المقدمة من طالب الدعم والتوقيع عليها"}
    assert unverified_quotations(fixed, source_text("saddad"))
    assert not unverified_quotations({"text_ar": "البيانات المقدمة من طال ب الدعم والتوقيع"}, source_text("saddad"))


def test_long_arabic_inside_an_english_note_counts():
    note = {"note": "The text says «التوضيح للمستفيد بأن الطلب يعرض على لجنة أخرى» here."}
    found = unverified_quotations(note, source_text("harif"))
    assert found and found[0][1] == "التوضيح للمستفيد بأن الطلب يعرض على لجنة أخرى"


def test_short_arabic_and_whitespace():
    assert list(arabic_quotations({"label": "مدة الرد على الطلب"})) == []
    spaced = {"t": "تحدد   المدة\nللرد على الطلب بمدة"}
    assert unverified_quotations(spaced, source_text("harif")) == []
    assert normalise(" a \n\t b ") == "a b"


def test_words_are_counted_not_digits():
    assert list(arabic_quotations({"x": "الرد خلال ١٥ ١٦ ١٧ يوم"})) == []
    assert len(list(arabic_quotations({"x": "الرد خلال مدة لا تتجاوز"}))) == 1


@pytest.mark.parametrize("pid", FIVE)
def test_every_rule_says_how_it_reads_its_clause(pid):
    # a rule is never the clause's literal words (an order read from a list, a period from «أسبوعين»):
    # its note marks the reading (docs/policy-format.md §1)
    from policykit.loader import load_policy

    assert [rule.id for rule in load_policy(pid).rules if not (rule.note or "").strip()] == []


def test_labels_address_the_policy_s_own_audience():
    # khairat_albaha's document addresses general-assembly members («التوضيح للعضو»); its own Arabic labels
    # say العضو where the text does (the text's own «المستفيد» stays in the quotations, as written)
    from policykit.loader import load_policy

    policy = load_policy("khairat_albaha")
    labels = [item.label.ar for section in (policy.steps, policy.rules, policy.channels, policy.tools)
              for item in section]
    assert [label for label in labels if "المستفيد" in label] == []


@pytest.mark.parametrize("pid", FIVE)
def test_a_passage_alone_takes_its_key_alone(pid):
    # docs/policy-format.md §3: «تمهيد» for a single passage, «تمهيد-٢» for one of several (as draft writes them)
    from policykit.loader import load_policy

    refs = [passage.clause.ref for passage in load_policy(pid).document.preamble]
    assert refs == (["تمهيد"] if len(refs) == 1 else [f"تمهيد-{'١٢٣٤٥'[i]}" for i in range(len(refs))])
