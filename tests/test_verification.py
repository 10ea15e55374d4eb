from assistant.models import RESOLUTION, Hit
from assistant.text import markers, sentences
from assistant.verification import verify

OP3 = Hit(
    doc="A/C.3/74/L.11/Rev.1",
    paragraph="OP3",
    kind="operative",
    score=1.0,
    text={
        "zh": "3. 又决定特设委员会应于 2020 年 8 月在纽约召开为期三天的组织会议，以便商定其进一步活动的纲要和方式，"
        "提交大会第七十五届会议审议和核准；",
        "en": "3. Also decides that the ad hoc committee shall convene a three-day organizational session in New York "
        "in August 2020 in order to agree on an outline and modalities for its further activities, to be submitted "
        "to the General Assembly at its seventy-fifth session for its consideration and approval;",
    },
)


def test_supported_sentence_survives_with_a_verbatim_quote():
    out = verify("The committee meets in New York in August 2020 for three days [OP3].", [OP3])
    assert out.text == "The committee meets in New York in August 2020 for three days [OP3]."
    [citation] = out.citations
    assert citation.paragraph == "OP3" and citation.quote in OP3.text["zh"] and citation.supported
    assert citation.translation in OP3.text["en"]


def test_misread_date_is_dropped():
    out = verify("The session is on August 20, 2020 [OP3]. It lasts three days [OP3].", [OP3])
    assert out.text == "It lasts three days [OP3]."
    assert out.dropped == ["The session is on August 20, 2020 [OP3]."]


def test_citation_of_a_paragraph_not_retrieved_is_dropped():
    out = verify("It was adopted by recorded vote [OP7]. 会议在纽约举行 [OP3]。", [OP3])
    assert out.text == "会议在纽约举行 [OP3]。"
    assert [c.paragraph for c in out.citations] == ["OP3"]


def test_uncited_sentence_is_dropped_and_marker_covers_the_run_before_it():
    assert verify("The text is about cybercrime.", [OP3]).text == ""
    assert (
        verify("It meets in New York. In August 2020 [OP3].", [OP3]).text
        == "It meets in New York. In August 2020 [OP3]."
    )


def test_markers_written_after_the_full_stop_belong_to_that_sentence():
    assert sentences("A is true. [OP3] B is true [OP3].") == ["A is true [OP3].", "B is true [OP3]."]
    assert sentences("It meets in August 2020. [OP3].") == ["It meets in August 2020 [OP3]."]
    assert sentences("会议在纽约举行。[OP3]。") == ["会议在纽约举行 [OP3]。"]
    assert markers("x [PP6, FN1] y [CAT:A/74/130] z [note]") == ["PP6", "FN1", "CAT:A/74/130"]


def test_a_sentence_that_only_names_paragraphs_is_not_an_answer():
    assert verify("OP3 [OP3]。 见 OP3。", [OP3]).text == ""
    assert verify("OP3。 见 OP3。 会议在纽约举行 [OP3]。", [OP3]).text == "会议在纽约举行 [OP3]。"
    assert verify("OP3, see OP3 [OP3]. It meets in New York [OP3].", [OP3]).text == "It meets in New York [OP3]."
    assert verify("，在 [OP3]。会议在纽约举行 [OP3]。", [OP3]).text == "会议在纽约举行 [OP3]。"


def test_unretrieved_ids_are_removed_from_a_kept_marker():
    assert verify("It meets in New York [OP3, OP9].", [OP3]).text == "It meets in New York [OP3]."


def test_a_place_or_body_the_cited_paragraph_does_not_name_is_dropped():
    out = verify("The session is held in Geneva in August 2020 [OP3]. 会议在纽约举行 [OP3]。", [OP3])
    assert out.text == "会议在纽约举行 [OP3]。"
    assert verify("会议由欧洲委员会在纽约召开 [OP3]。", [OP3]).text == ""  # 欧洲委员会: not in OP3
    assert verify("According to OP3, it is held in New York [OP3].", [OP3]).text  # an ID is not a name


def test_a_claim_sharing_few_words_with_what_it_cites_is_dropped():
    # Holds no number, date, symbol or name that OP3 lacks, yet OP3 does not say it.
    assert verify("The committee will protect journalists and punish every hacker [OP3].", [OP3]).text == ""


PP5 = Hit(
    doc=RESOLUTION,
    paragraph="PP5",
    kind="preamble",
    score=0.9,
    text={
        "zh": "强调需要加强各国之间的协调与合作，",
        "en": "Stressing the need to enhance coordination and cooperation among States,",
    },
)


def test_a_citation_that_adds_nothing_to_the_claim_is_removed():
    out = verify("The organizational session is held in New York in August 2020 [OP3, PP5].", [OP3, PP5])
    assert out.text == "The organizational session is held in New York in August 2020 [OP3]."
    assert [c.paragraph for c in out.citations] == ["OP3"]
    both = "States cooperate, and the session is held in New York [PP5, OP3]."
    assert verify(both, [OP3, PP5]).text == both  # each paragraph holds a part of it


def test_a_citation_sharing_one_common_word_with_the_claim_is_removed():
    meetings = Hit(
        doc=RESOLUTION,
        paragraph="PP10",
        kind="preamble",
        score=0.9,
        text={"en": "Noting the meetings of the expert group, held in Vienna from 17 to 21 January 2011,"},
    )
    out = verify("The organizational session will be held in New York in August 2020 [PP10][OP3].", [OP3, meetings])
    assert out.text == "The organizational session will be held in New York in August 2020 [OP3]."


def test_a_citation_of_the_wrong_paragraph_is_moved_to_the_one_holding_the_sentence(retriever):
    texts = retriever.paragraph_texts()
    hits = [
        Hit(doc=RESOLUTION, paragraph=pid, kind=kind, score=1.0, text=texts[(RESOLUTION, pid)])
        for pid, kind in (("PP5", "preamble"), ("FN4", "footnote"))
    ]
    sentence = "The text stresses the role of the Commission on Crime Prevention and Criminal Justice [FN4]."
    checked = verify(sentence, hits)
    assert checked.recited == 1 and "[PP5]" in checked.text and "[FN4]" not in checked.text


DOC = Hit(
    doc="A/74/130",
    paragraph="A/74/130 ¶5",
    kind="paragraph",
    score=1.0,
    text={"en": "5. Member States stressed that mutual legal assistance was too slow, taking up to 18 months."},
)


def test_markers_of_cited_documents_are_checked_like_the_resolutions():
    assert markers("[A/74/130 ¶12, OP1] [A/RES/70/174 annex ¶3(b)(i)] [A/74/130 annex §3 ¶1] [A/74/130]") == [
        "A/74/130 ¶12",
        "OP1",
        "A/RES/70/174 annex ¶3(b)(i)",
        "A/74/130 annex §3 ¶1",
    ]
    out = verify("Assistance took up to 18 months [A/74/130 ¶5]. It took 24 months [A/74/130 ¶5].", [DOC, OP3])
    assert out.text == "Assistance took up to 18 months [A/74/130 ¶5]."
    quote = out.citations[0].quote  # the shortest span of the official (here English) text that holds the claim
    assert quote in DOC.text["en"] and "18 months" in quote and len(quote) < len(DOC.text["en"])
    assert out.citations[0].translation == ""
    assert verify("Assistance was slow [A/74/130 ¶6].", [DOC]).text == ""  # a paragraph not retrieved


def test_a_claim_citing_only_a_catalogue_entry_also_cites_the_resolution_paragraph_that_holds_it(retriever):
    texts = retriever.paragraph_texts()
    entry = Hit(
        doc="A/74/130",
        paragraph="CAT:A/74/130",
        kind="catalogue",
        score=1.0,
        text=texts[("A/74/130", "CAT:A/74/130")],
        cited_by=["OP1", "FN5"],
    )
    op1 = Hit(doc=RESOLUTION, paragraph="OP1", kind="operative", score=0.9, text=texts[(RESOLUTION, "OP1")])
    checked = verify(
        "The General Assembly takes note of the report of the Secretary-General [CAT:A/74/130].", [entry, op1]
    )
    assert checked.text == "The General Assembly takes note of the report of the Secretary-General [OP1, CAT:A/74/130]."
    assert [c.paragraph for c in checked.citations] == ["OP1", "CAT:A/74/130"]
    # A claim the resolution paragraph does not hold keeps the catalogue entry alone.
    checked = verify("The report is dated 30 July 2019 [CAT:A/74/130].", [entry, op1])
    assert checked.text == "The report is dated 30 July 2019 [CAT:A/74/130]."


def test_a_catalogue_marker_written_as_the_answer_becomes_the_symbol(retriever):
    texts = retriever.paragraph_texts()
    entry = Hit(
        doc="A/74/130", paragraph="CAT:A/74/130", kind="catalogue", score=1.0, text=texts[("A/74/130", "CAT:A/74/130")]
    )
    out = verify("The symbol of the Secretary-General's report is [CAT:A/74/130].", [entry])
    assert out.text == "The symbol of the Secretary-General's report is A/74/130 [CAT:A/74/130]."
    zh = verify("秘书长报告的文号是[CAT:A/74/130]。", [entry]).text
    assert zh.startswith("秘书长报告的文号是") and zh.endswith("A/74/130 [CAT:A/74/130]。")
