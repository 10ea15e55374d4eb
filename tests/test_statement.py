"""The extractive statement (issue 18): the asked fact, not the paragraph holding it."""

import re

import pytest

from assistant.chain import AnswerChain
from assistant.generation import ExtractiveGenerator
from assistant.models import Hit
from assistant.statement import (
    WHERE,
    Ordinal,
    clause_runs,
    enumeration,
    fact_clause,
    parse_question,
    pick,
    question_parts,
    support,
    trimmed,
)
from assistant.text import markers, sentences

# A made-up paragraph with five dates, in both languages, in no particular order of years.
ZH = (
    "注意到 2015 年 3 月 2 日至 4 日、2012 年 6 月 11 日至 15 日、2016 年 9 月 5 日、2014 年 1 月 20 日至 22 日"
    "和 2013 年 10 月 7 日至 9 日在日内瓦举行的工作组第一至第五次会议，"
)
EN = (
    "Noting the first to fifth meetings of the working group, held in Geneva from 2 to 4 March 2015, from 11 to "
    "15 June 2012, on 5 September 2016, from 20 to 22 January 2014 and from 7 to 9 October 2013,"
)
DATES_ZH = ["2015 年 3 月 2 日至 4 日", "2012 年 6 月 11 日至 15 日", "2016 年 9 月 5 日", "2014 年 1 月 20 日至 22 日",
            "2013 年 10 月 7 日至 9 日"]  # fmt: skip
DATES_EN = ["2 to 4 March 2015", "11 to 15 June 2012", "5 September 2016", "20 to 22 January 2014",
            "7 to 9 October 2013"]  # fmt: skip


@pytest.mark.parametrize(
    ("question", "types", "ordinal"),
    [
        ("When did the working group hold its fourth meeting?", ("date",), Ordinal(4)),
        ("工作组第三次会议是什么时候举行的？", ("date",), Ordinal(3)),
        ("工作组首次会议是哪几天开的？", ("date",), Ordinal(1)),
        ("When was the most recent meeting?", ("date",), Ordinal(-1, by_date=True)),
        ("哪一次会议最早？在什么时间？", ("date",), Ordinal(1, by_date=True)),
        ("Which report is the second-to-last one listed?", ("symbol",), Ordinal(-2)),
        ("名单中排在最后的是哪个国家？", ("name",), Ordinal(-1)),
        ("Which State appears 8th in the list?", ("name",), Ordinal(8)),
        ("工作组名单里排第二的是哪个国家？", ("name",), Ordinal(2)),  # a rank with no counter after it
        ("排名第五的成员是哪一个？", (), Ordinal(5)),
        ("大会将在第七十五届会议上做什么？", (), None),  # a session, not a rank
        ("How many meetings were held?", ("number",), None),
        ("When does the working group first meet?", ("date",), None),  # an adverb, not the list's first
        ("When was the first meeting held?", ("date",), Ordinal(1)),
        ("In which year was the expert report A/68/98 issued?", ("date",), None),  # no "in which … report"
        ("In which official records is resolution 22/8 published?", ("symbol",), None),
        ("Which Human Rights Council resolution does the text recall?", ("symbol",), None),  # a body's name between
        ("Which body does the resolution ask to report?", ("name",), None),
        ("Where will the Third Committee meet at its seventy-fifth session?", ("name",), None),
    ],
)
def test_question_type_and_ordinal_in_both_languages(question, types, ordinal):
    asked = parse_question(question)
    assert asked.types == types and asked.ordinal == ordinal


def test_the_paragraph_a_question_names_and_its_number_words_are_no_facts_to_filter_by():
    assert parse_question("Which is the tenth one of the resolutions recalled in PP12?").facts == frozenset()
    assert parse_question("第十二段回顾的决议里，有哪几项是 2011 年通过的？").facts == {"2011"}


def test_the_ordinal_picks_its_member_of_a_list_of_dates_in_each_language():
    for text, lang, dates in ((ZH, "zh", DATES_ZH), (EN, "en", DATES_EN)):
        members = enumeration(text, lang, "date")
        assert [m.text for m in members] == dates
        assert [members[i].text for i in pick(members, lang, parse_question("the fourth meeting: when?"))] == [dates[3]]
        # "most recent" and "earliest" by the dates themselves: this list is not in order of years
        assert [members[i].text for i in pick(members, lang, parse_question("When was the latest meeting?"))] == [
            dates[2]
        ]
        assert [members[i].text for i in pick(members, lang, parse_question("When was the earliest one?"))] == [
            dates[1]
        ]
        assert pick(members, lang, parse_question("When was the ninth meeting?")) == []  # no guess beyond the list


def test_a_member_is_quoted_with_its_aligned_english():
    assert support(ZH, "zh", EN, "2014 年 1 月 20 日至 22 日 [PP9]。") == (DATES_ZH[3], DATES_EN[3])
    assert support(ZH, "zh", EN, "20 to 22 January 2014 [PP9].") == (DATES_ZH[3], DATES_EN[3])


def _hit(zh: str, en: str, pid: str = "PP9", score: float = 1.0) -> Hit:
    return Hit(doc="X", paragraph=pid, kind="preamble", score=score, text={"zh": zh, "en": en})


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When did the working group hold its fourth meeting?", DATES_EN[3]),
        ("工作组第四次会议在什么时间？", DATES_ZH[3]),
    ],
)
def test_the_statement_states_the_asked_member_in_the_questions_language(question, expected):
    draft = ExtractiveGenerator().draft(question, "zh" if "工作组" in question else "en", [_hit(ZH, EN)])
    assert draft.startswith(expected) and draft.count("[PP9]") == 1
    assert not any(d in draft for d in [*DATES_ZH, *DATES_EN] if d != expected)


def test_the_statement_is_one_to_three_marked_sentences_without_the_official_text():
    hits = [
        _hit(ZH, EN),
        _hit("大会决定于 2021 年在纽约开会。", "The Assembly decides to meet in New York in 2021.", "OP1", 0.9),
    ]
    for question in ("When and where does the working group meet?", "工作组会议讨论了什么？"):
        draft = ExtractiveGenerator().draft(question, "zh" if "工作组会议" in question else "en", hits)
        parts = sentences(draft)
        assert 1 <= len(parts) <= 3 and all(markers(s) for s in parts)
        assert "(official text" not in draft and not re.search(r"“[^”]{40,}”", draft)


# A paragraph longer than an English statement's budget, whose answer shares no word with the question.
PLATFORM = (
    "Recognizing the role of the expert group of the Commission on the problem of cybercrime in the region, "
    "which is an important platform for the exchange of information on national legislation, best practices "
    "and technical assistance among the States of every region and their authorities, with a view to examining "
    "options to strengthen existing responses,"
)


class KeywordEmbeddings:
    """Near in meaning: a span naming best practices is the question's neighbour, any other span is not."""

    def embed_query(self, text: str) -> list[float]:
        return [1.0, 0.0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[1.0, 0.0] if "best practices" in t else [0.0, 1.0] for t in texts]


def test_an_open_question_is_answered_by_the_clause_nearest_in_meaning():
    question = "What do participants of the expert group of the Commission on cybercrime share?"
    draft = ExtractiveGenerator(KeywordEmbeddings()).draft(question, "en", [_hit("", PLATFORM)])  # type: ignore[arg-type]
    assert "best practices" in draft and not draft.startswith("Recognizing") and draft.count("[PP9]") == 1


def test_an_open_question_states_each_paragraph_of_the_evidence_and_a_short_one_whole():
    hits = [
        _hit("", "The Assembly takes note of the report of the Secretary-General.", "OP1"),
        _hit("", PLATFORM, "PP16", 0.9),
    ]
    draft = ExtractiveGenerator().draft("What does the Assembly do with the report on cybercrime?", "en", hits)
    assert draft.startswith("The Assembly takes note of the report of the Secretary-General [OP1].")
    assert "[PP16]" in draft and len(sentences(draft)) == 2
    # A typed question states the paragraph holding its fact only.
    assert "[PP16]" not in ExtractiveGenerator().draft("When was the report issued?", "en", hits)


@pytest.fixture(scope="module")
def chain(built, retriever):
    return AnswerChain(built.model_copy(update={"generator": "extractive"}), retriever)


def test_the_fourth_meeting_is_answered_by_its_date_alone(chain):
    answer = chain.invoke({"question": "When did the expert group hold its fourth meeting?"})
    assert answer.answerable and "3 to 5 April 2018" in answer.answer and "[PP10]" in answer.answer
    others = ["17 to 21 January 2011", "25 to 28 February 2013", "10 to 13 April 2017", "27 to 29 March 2019"]
    assert not any(d in answer.answer for d in others)
    pp10 = next(c for c in answer.citations if c.paragraph == "PP10")
    assert pp10.quote == "2018 年 4 月 3 日至 5 日" and pp10.translation == "3 to 5 April 2018"


@pytest.mark.parametrize(
    ("question", "lang", "parts"),
    [
        ("Where does it meet, and when does it report?", "en", ["Where does it meet", "when does it report?"]),
        ("工作组为什么设立？它在哪里开会？", "zh", ["工作组为什么设立？", "它在哪里开会？"]),
        ("When and where does the group meet?", "en", ["When and where does the group meet?"]),
        ("What is it, and why?", "en", ["What is it, and why?"]),  # "and why" is too short to ask alone
    ],
)
def test_a_question_asking_two_things_is_split_into_its_parts(question, lang, parts):
    assert question_parts(question, lang) == parts


def test_each_part_of_a_question_is_answered_from_its_own_paragraph():
    hits = [
        _hit("", "The working group shall meet in Geneva for three days.", "OP1"),
        _hit("", "Decides that the working group shall report to the Council in May 2031.", "OP2", 0.9),
    ]
    search = {"where does the group meet": ["OP1", "OP2"], "when does it report?": ["OP2", "OP1"]}
    by_id = {h.paragraph: h for h in hits}
    generator = ExtractiveGenerator(search=lambda part: [by_id[p] for p in search[part.lower()]])
    draft = generator.draft("Where does the group meet, and when does it report?", "en", hits)
    assert [markers(s) for s in sentences(draft)] == [["OP1"], ["OP2"]]
    assert "May 2031" in draft and "Geneva" in draft


def test_a_title_question_is_answered_by_the_clause_holding_the_quoted_title():
    text = (
        'Recalling its resolution 12/3 of 4 May 2030, entitled "Working together, in good faith", '
        "adopted on the recommendation of the Council,"
    )
    asked = parse_question("What is the title of resolution 12/3?")
    assert asked.types == ("title",)
    clause = fact_clause(text, "en", asked, "What is the title of resolution 12/3?") or ""
    assert '"Working together, in good faith"' in clause  # never cut at the comma inside the title


def test_the_clause_naming_a_fact_the_question_gives_only_locates_the_answer():
    # The words of the clause naming 48/2 ("resolution") locate the paragraph; "renewed" and "mandate" ask.
    text = (
        "Welcoming Council resolution 48/2 of 9 October 2031, in which it thanked the panel for its report, "
        "asked the secretariat to circulate the report widely and renewed the mandate of the Northern Rivers Agency,"
    )
    question = "Whose mandate did resolution 48/2 renew?"
    assert parse_question(question).types == ("name",)
    clause = fact_clause(text, "en", parse_question(question), question) or ""
    assert "renewed the mandate of the Northern Rivers Agency" in clause
    assert "48/2" not in clause
    # Where no clause holds a word the question asks, the clause naming what it names answers, not the first.
    text = "Recalling resolution 31/7 of 3 March 2029, and taking note of Council resolution 48/2 of 9 October 2031,"
    question = "When was resolution 48/2 adopted?"
    assert fact_clause(text, "en", parse_question(question), question) == (
        "and taking note of Council resolution 48/2 of 9 October 2031,"
    )


def test_a_list_written_as_one_long_clause_is_trimmed_to_the_items_the_question_asks_about():
    members = "、".join(f"20{n:02d} 年 1 月 {n} 日第 {n}/1 号" for n in range(10, 40))
    clause = f"回顾其{members}决议，"
    asked = parse_question("第 25/1 号决议是什么时候通过的？")
    span = trimmed(clause, "zh", asked, "第 25/1 号决议是什么时候通过的？")
    assert "2025 年 1 月 25 日第 25/1 号" in span and len(span) <= 90


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which State comes right after Freedonia in the list?", "Sylvania"),
        ("Which State precedes Sylvania?", "Freedonia"),
        ("名单中紧跟在自由国后面的是哪个国家？", "西尔瓦尼亚"),
        ("Which State comes right after Atlantis in the list?", None),  # not in the list: no guess
    ],
)
def test_a_member_is_found_by_its_neighbour_in_the_list(question, expected):
    hit = _hit(
        "提交国：阿尔卡迪亚、博尔杜尼亚、自由国、西尔瓦尼亚和祖巴，",
        "Submitted by Arcadia, Borduria, Freedonia, Sylvania and Zubrowka,",
        "SPONSORS",
    )
    lang = "zh" if "名单" in question else "en"
    members = ExtractiveGenerator.members(lang, parse_question(question), hit, question)
    assert members == ([expected] if expected else [])


def test_two_members_of_one_list_asked_in_two_parts_are_both_stated():
    sponsors = _hit("", "Arcadia, Borduria, Freedonia, Sylvania and Zubrowka:", "SPONSORS")
    other = _hit("", "Recalling the reports A/1/1, A/2/2 and A/3/3,", "FN3", 0.9)
    order = {"which country heads the list of sponsors": [sponsors, other], "which one closes it?": [other, sponsors]}
    generator = ExtractiveGenerator(search=lambda part: order[part.lower()])
    draft = generator.draft(
        "Which country heads the list of sponsors, and which one closes it?", "en", [sponsors, other]
    )
    assert sentences(draft) == ["Arcadia [SPONSORS].", "Zubrowka [SPONSORS]."]


@pytest.mark.parametrize("question", ["Where is resolution 12/3 published?", "第 12/3 号决议刊载在哪里？"])
def test_where_a_resolution_is_published_asks_for_a_record_not_a_place(question):
    assert parse_question(question).types[0] == "symbol"


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Where are the two council decisions published?", "en"),
        ("两项理事会决定分别刊载在哪里？", "zh"),
    ],
)
def test_a_question_asking_for_two_records_gets_both(question, lang):
    """ "The two decisions" asks for two facts of one type: each paragraph of the evidence holding another
    record than those stated adds its sentence."""
    hits = [
        _hit(
            "见《理事会正式记录，2031 年，补编第 3 号》(C/2031/3)。",
            "See Official Records of the Council, 2031, Supplement No. 3 (C/2031/3).",
            "FN1",
        ),
        _hit(
            "见《理事会正式记录，2033 年，补编第 3 号》(C/2033/3)。",
            "See Official Records of the Council, 2033, Supplement No. 3 (C/2033/3).",
            "FN2",
            0.9,
        ),
    ]
    assert parse_question(question).several
    draft = ExtractiveGenerator().draft(question, lang, hits)
    assert [markers(s) for s in sentences(draft)] == [["FN1"], ["FN2"]]
    assert "C/2031/3" in draft and "C/2033/3" in draft


def test_a_further_sentence_that_repeats_what_is_stated_is_left_out():
    """The line "A/74/130 [FN5]" under the catalogue's sentence on A/74/130 says nothing the reader has not read."""
    report = "A/74/130: report of the Secretary-General of 30 July 2019 on countering the use of ICTs."
    hits = [_hit("", report, "CAT:A/74/130"), _hit("", "A/74/130.", "FN5", 0.9)]
    draft = ExtractiveGenerator().draft("What does the text say about A/74/130?", "en", hits)
    assert "[CAT:A/74/130]" in draft and "[FN5]" not in draft and len(sentences(draft)) == 1
    # A further sentence holding a fact the first does not is kept.
    hits[1] = _hit("", "The General Assembly takes note of A/74/130 in 2019 and of resolution 73/187.", "OP1", 0.9)
    assert "[OP1]" in ExtractiveGenerator().draft("What does the text say about A/74/130?", "en", hits)


def test_a_short_last_clause_finishes_the_statement_past_the_budget():
    """A run cut before "detect, investigate and prosecute such use" ends on a dangling "prevent,"."""
    text = (
        "Stressing the need for technical assistance to developing countries, "
        "upon their request, to improve domestic legislation and frameworks and to build the capacity of national "
        "authorities to deal with such use in all its forms, "
        "including the capacity to prosecute such use, "
        "and stressing in this regard the role played by the United Nations and by its regional commissions "
        "and offices in all regions of the world,"
    )
    clause = fact_clause(text, "en", parse_question("Which capacity of national authorities?"), "Which capacity?")
    assert clause is not None and clause.endswith("prosecute such use,")
    assert "United Nations" not in clause


def test_a_clause_that_goes_on_the_list_before_it_is_not_cut_from_it():
    """The statement "…existing efforts at the national [OP2]" was made: the list's comma had cut the clause."""
    text = (
        "Taking into full consideration existing efforts at the national, regional and international levels on "
        "countering crime, including the capacity to prevent, detect, investigate and prosecute such use, "
        "representative of all regions,"
    )
    assert clause_runs(text, "en") == [
        "Taking into full consideration existing efforts at the national, regional and international levels on "
        "countering crime,",
        "including the capacity to prevent, detect, investigate and prosecute such use,",
        "representative of all regions,",
    ]


def test_a_list_member_that_only_names_the_questions_subject_does_not_answer_it():
    """The member holding the symbol the question gives ("第 12/3 号") restates its subject; the record
    the question asks for is in the clause after it."""
    hit = Hit(
        doc="X",
        paragraph="FN9",
        kind="footnote",
        score=1.0,
        text={
            "zh": "委员会 2001 年 5 月 5 日第 12/3 号决议，载于《理事会正式记录，2001 年，补编第 9 号》(E/2001/9)。",
            "en": "Commission resolution 12/3 of 5 May 2001, in Official Records, 2001, Supplement No. 9 (E/2001/9).",
        },
    )
    question = "委员会第 12/3 号决议载于哪份正式记录？"
    assert ExtractiveGenerator.members("zh", parse_question(question), hit, question) == []
    assert "E/2001/9" in ExtractiveGenerator().draft(question, "zh", [hit])


def test_what_is_a_symbol_is_not_answered_by_paragraphs_that_are_only_symbols():
    """Footnote 5 only names A/74/130 and footnote 3 lists other reports: neither says what it is."""
    hits = [
        _hit("A/74/130。", "A/74/130.", "FN5"),
        _hit("A/65/201、A/68/98 和 A/70/174。", "A/65/201, A/68/98 and A/70/174.", "FN3", 0.9),
        _hit(
            "秘书长 2019 年 7 月 30 日的报告 A/74/130。",
            "Report of the Secretary-General A/74/130 of 30 July 2019.",
            "OP1",
            0.9,
        ),
    ]
    draft = ExtractiveGenerator().draft("What is A/74/130?", "en", hits)
    assert "Secretary-General" in draft
    assert "A/65/201" not in draft
    assert "[FN5]" not in draft


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("What is the symbol of the Secretary-General's report?", "en"),
        ("What is the report's document symbol?", "en"),
        ("秘书长报告的文号是什么？", "zh"),
    ],
)
def test_a_reports_symbol_is_not_the_resolution_it_was_prepared_under(question, lang):
    """The paragraph names the resolution the report answers; the report's own symbol is in its footnote."""
    hits = [
        _hit(
            "1. 表示注意到根据第 12/34 号决议编写的秘书长报告；",
            "1. Takes note of the report of the Secretary-General prepared pursuant to resolution 12/34;",
            "OP1",
        ),
        _hit("A/99/100。", "A/99/100.", "FN5", 0.9).model_copy(update={"cited_by": ["OP1"]}),
    ]
    draft = ExtractiveGenerator().draft(question, lang, hits)
    assert "A/99/100" in draft and "12/34" not in draft
    # Asked for the resolution, the paragraph's number is the answer.
    asked = "Pursuant to which resolution was the report prepared?"
    assert "12/34" in ExtractiveGenerator().draft(asked, "en", hits)


def test_a_symbol_of_something_else_does_not_answer_for_the_texts_own():
    """The text never gives its own symbol: a catalogue entry's or footnote's symbol is another document's."""
    hits = [
        _hit("A/65/201、A/68/98 和 A/70/174。", "A/65/201, A/68/98 and A/70/174.", "FN3"),
        _hit("A/99/100：秘书长报告。", "A/99/100: report of the Secretary-General.", "CAT:A/99/100", 0.9),
    ]
    for question, lang in [
        ("What is the symbol of the revised draft?", "en"),
        ("这份订正决议草案的文号是什么？", "zh"),
        ("How many sponsors does the revised draft list?", "en"),  # footnote 3's numbers are no count
    ]:
        assert ExtractiveGenerator().draft(question, lang, hits) == ""
    # Asked by what it names, the entry answers.
    assert "A/99/100" in ExtractiveGenerator().draft(
        "What is the symbol of the Secretary-General's report?", "en", hits
    )


def test_a_place_question_is_told_from_other_wheres():
    """Which city, or where a meeting is held, asks for a city; where money comes from or at which session does not."""
    assert all(WHERE.search(q) for q in ("Where was the meeting held?", "会议在哪里举行？", "哪座城市？"))
    assert not any(
        WHERE.search(q) for q in ("资源从哪里出？", "在哪一届会议上审议？", "Where does the money come from?")
    )


def test_the_first_or_last_few_members_are_picked_together():
    for question, ordinal in (
        ("Which three States head the list?", Ordinal(1, count=3)),
        ("What are the first two meetings' dates?", Ordinal(1, count=2)),
        ("名单最后两个国家是哪些？", Ordinal(-1, count=2)),
        ("前三次会议是什么时候开的？", Ordinal(1, count=3)),
    ):
        assert parse_question(question).ordinal == ordinal, question
    members = enumeration(EN, "en", "date")
    assert [
        members[i].text for i in pick(members, "en", parse_question("When were the first two meetings?"))
    ] == DATES_EN[:2]
    assert [
        members[i].text for i in pick(members, "en", parse_question("When were the last two meetings?"))
    ] == DATES_EN[-2:]


def test_a_body_named_in_lower_case_answers_whose_work():
    """The English rendering writes "the expert group" without capitals; the clause naming ICTs (a listed name)
    is no answer to whose work is meant."""
    text = (
        "Decides to establish a committee, to elaborate a comprehensive international convention on countering the "
        "use of information and communications technologies for criminal purposes in all their forms and "
        "manifestations, taking into full consideration existing international instruments and existing efforts "
        "at the national, regional and international levels, in particular the work and outcomes of the open-ended "
        "intergovernmental expert group to conduct a comprehensive study of the problem;"
    )
    question = "Whose work and outcomes should the committee take into account?"
    assert "expert group" in fact_clause(text, "en", parse_question(question), question)
