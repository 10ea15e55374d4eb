"""Text primitives (assistant/text.py) that the generators, the verifier and the support judge share."""

from assistant.text import best_span, claims, clauses, detect_language, markers, sentences, strip_markers

ZH = (
    "大会注意到秘书长的报告，欢迎各国的意见。决定设立一个特设委员会，委员会应于 2020 年 8 月在纽约召开组织会议；"
    "并请秘书长提供协助，以便委员会开展工作。"
)


def test_the_language_is_the_one_its_ideographs_or_letters_carry():
    assert detect_language("特设委员会在哪里开会？") == "zh"
    assert detect_language("Where will the committee meet?") == "en"
    assert detect_language("OP3 说了什么？") == "zh"  # an ID among Chinese words does not make it English
    assert detect_language("What does 大会 say about the Ad Hoc Committee in OP3?") == "en"
    assert detect_language("12345 ?!") == "en"


def test_markers_are_read_and_removed_but_brackets_that_cite_nothing_stay():
    text = "It meets in New York [OP3] (see [note 2]) [A/74/130 ¶12, FN5]."
    assert markers(text) == ["OP3", "A/74/130 ¶12", "FN5"]
    assert strip_markers(text) == "It meets in New York  (see [note 2]) ."


def test_a_marker_covers_the_unmarked_sentences_before_it():
    parts = sentences("The committee meets. It meets in New York [OP3]. It reports later.")
    assert parts == ["The committee meets.", "It meets in New York [OP3].", "It reports later."]
    assert claims(parts) == ["The committee meets. It meets in New York [OP3].", "It reports later."]


def test_clauses_split_at_the_marks_of_each_language():
    assert clauses(ZH, "zh")[:3] == ["大会注意到秘书长的报告，", "欢迎各国的意见。", "决定设立一个特设委员会，"]
    assert clauses("It meets, in New York; in August.", "en") == ["It meets,", "in New York;", "in August."]


def test_an_abbreviations_full_stop_ends_no_clause():
    reference = "See Official Records, 2013, Supplement No. 10 (E/2013/30), chap. I, sect. D. It meets."
    assert "Supplement No. 10 (E/2013/30)," in clauses(reference, "en")
    assert clauses(reference, "en")[-2:] == ["sect. D.", "It meets."]


def test_the_best_span_is_the_clause_run_sharing_most_with_the_probe_verbatim():
    assert best_span(ZH, "zh", "2020 年 8 月 纽约") == "委员会应于 2020 年 8 月在纽约召开组织会议；"
    span = best_span("The Assembly notes the report, welcomes its work, and decides to meet in 2020.", "en", "2020")
    assert span == "and decides to meet in 2020."
    assert best_span(ZH, "zh", "nothing shared") == ZH  # no clause shares anything: the whole text
    assert best_span("It meets, in New York.", "en", "New York") == "It meets, in New York."  # too short to cut


def test_a_title_in_quotation_marks_is_never_cut_into_clauses():
    zh = "又表示注意到题为“促进技术援助和能力建设，包括信息共享”的第 2019/19 号决议，并欢迎其工作。"
    assert clauses(zh, "zh")[0] == "又表示注意到题为“促进技术援助和能力建设，包括信息共享”的第 2019/19 号决议，"
    en = 'Taking note of resolution 2019/19, entitled "Promoting assistance, including information-sharing", adopted'
    assert clauses(en, "en")[1] == 'entitled "Promoting assistance, including information-sharing",'
