"""What a live post_many takes as its items, case ids and event ids: anything else is a located wrong-type
PolicykitError (never an AttributeError, never a case named 'None'), and nothing of the post is taken."""

from __future__ import annotations

import pytest

from policykit.diagnostics import PolicykitError
from policykit.live import LiveSession

AT = "2025-03-02T09:00:00+03:00"
EVENT = {"type": "request_completed", "at": AT}


@pytest.mark.parametrize("items,path", [
    ([(None, EVENT)], ("events", 1, "case_id")),
    ([(["H-1"], EVENT)], ("events", 1, "case_id")),
    ([(b"H-1", EVENT)], ("events", 1, "case_id")),
    ([(True, EVENT)], ("events", 1, "case_id")),
    ([("", EVENT)], ("events", 1, "case_id")),
    ([(" \t", EVENT)], ("events", 1, "case_id")),
    ([("H-1", None)], ("events", 1)),
    ([("H-1", ["type", "request_completed"])], ("events", 1)),
    ([("H-1",)], ("events", 1)),
    ([None], ("events", 1)),
    ([{"case_id": "H-1", **EVENT}], ("events", 1)),
    ([("H-1", {"id": [1], **EVENT})], ("events", 1, "id")),
    ([("H-1", {"id": {"a": 1}, **EVENT})], ("events", 1, "id")),
    ([("H-1", {"id": False, **EVENT})], ("events", 1, "id")),
    ([("H-1", {"id": 1.5, **EVENT})], ("events", 1, "id")),
])
def test_a_bad_item_case_id_or_event_id_is_wrong_type_at_its_place_and_nothing_is_taken(items, path):
    session = LiveSession("harif")
    with pytest.raises(PolicykitError) as info:
        session.post_many([("H-0", {"type": "data_verified", "at": AT}), *items])
    assert info.value.first.code == "wrong-type" and info.value.first.path == path
    assert len(str(info.value).splitlines()) == 1
    assert list(session.cases) == []  # the good first event was not taken either


def test_integer_ids_are_their_digits_and_zero_is_an_id():
    session = LiveSession("harif")
    first = session.post(42, {"id": 0, **EVENT})
    assert (first.case_id, first.event_id, first.duplicate) == ("42", "0", False)  # 0 was taken as no id
    again = session.post("42", {"id": "0", "type": "request_completed", "at": "2025-03-03T09:00:00+03:00"})
    assert again.duplicate  # the same id: a re-send, whatever its content
    assert session.post("42", {"id": "", "type": "data_verified", "at": AT}).event_id != ""  # no id: its content's
    many = session.post_many([(7, {"id": 7, **EVENT}), ("7", {"id": "7", **EVENT})])  # the columnar reading too
    assert [(c.case_id, c.event_id, c.duplicate) for c in many] == [("7", "7", False), ("7", "7", True)]


def test_an_event_mapping_that_is_not_a_dict_is_taken():
    from types import MappingProxyType

    session = LiveSession("harif")
    assert not session.post("M", MappingProxyType(dict(EVENT))).duplicate
    assert [e.type for e in session.cases["M"].events] == ["request_completed"]


@pytest.mark.parametrize("item", [("\ud800", EVENT), ("H-1", {"id": "e-\udfff", **EVENT})])
def test_a_lone_surrogate_in_a_case_id_or_event_id_is_refused_before_the_store(tmp_path, item):
    """JSON lets '\\ud800' through; SQLite cannot hold it: the post was a UnicodeEncodeError from the store."""
    session = LiveSession("harif", store=tmp_path / "live.db")
    with pytest.raises(PolicykitError) as info:
        session.post_many([item])
    assert info.value.first.code == "wrong-type" and "surrogate" in info.value.first.message
    arabic = session.post_many([("ح-١", EVENT), ("ح-٢", {"id": "ح", **EVENT})])  # other text is taken
    assert [c.duplicate for c in arabic] == [False, False]
    session.shutdown()
    assert set(LiveSession("harif", store=tmp_path / "live.db").cases) == {"ح-١", "ح-٢"}


@pytest.mark.parametrize("case_id", ["\ud800", "", 1.5])
def test_set_facts_keys_its_case_as_posts_do(tmp_path, case_id):
    session = LiveSession("harif", store=tmp_path / "live.db")
    with pytest.raises(PolicykitError) as info:  # a surrogate was a UnicodeEncodeError from the store
        session.set_facts(case_id, {"association_caused_harm": True})
    assert info.value.first.code == "wrong-type" and info.value.first.path == ("case_id",)
    session.set_facts(7, {"association_caused_harm": True})
    assert session.cases["7"].facts == {"association_caused_harm": True}
