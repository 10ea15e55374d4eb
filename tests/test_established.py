"""What a text sets up, found in its operative paragraphs, joins the generic note on later events."""

from assistant.established import established


def test_the_bodies_an_operative_paragraph_sets_up_are_found_in_either_language():
    en = ["Decides to establish a working group on oceans, open to all Member States, to report in 2031;"]
    zh = ["决定设立一个海洋问题工作组，向所有会员国开放，"]
    assert established(en, "en") == ["working group on oceans"]
    assert established(zh, "zh") == ["海洋问题工作组"]
    assert established(["Requests the Secretary-General to report on the matter;"], "en") == []


def test_the_unaided_note_on_later_events_names_the_committee_the_resolution_sets_up():
    from assistant.knowledge import load
    from assistant.settings import Settings

    knowledge = load(Settings(aids="none"))
    note = knowledge.scope["later_events"]
    assert "ad hoc intergovernmental committee of experts" in note.topic_en
    assert "特设政府间专家委员会" in note.topic_zh
    # PP7 recalls the expert group others set up, whose work the text reports: not a later event.
    assert "expert group" not in note.topic_en and "专家组" not in note.topic_zh
    assert "What this text sets up" not in knowledge.scope["votes"].topic_en
