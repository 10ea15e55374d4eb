"""What the evaluation counts as a correct statement (issue 18): every key fact stated, no wrong value, a
refusal never correct, and Chinese spacing or dashes never deciding it. No index: answers are built by hand."""

from __future__ import annotations

from assistant.evals.evaluation import AnswerItem, KeyFact, answer_metrics, judge
from assistant.evals.figures import missing_figures
from assistant.models import Answer, Citation
from assistant.refs import Ref

PP10 = Ref.parse("PP10")
TEXTS = {
    PP10: {
        "zh": "回顾专家组分别于 2011 年 1 月 17 日至 21 日和 2013 年 2 月 25 日至 28 日举行的会议，",
        "en": "Recalling the meetings of the expert group held from 17 to 21 January 2011 and "
        "from 25 to 28 February 2013,",
    }
}
SECOND = KeyFact(en=["25 to 28 February 2013", "25-28 February 2013"], zh=["2013年2月25日至28日"])
FIRST = KeyFact(en=["17 to 21 January 2011", "17-21 January 2011"], zh=["2011年1月17日至21日"])


def item(lang: str = "en", answerable: bool = True) -> AnswerItem:
    return AnswerItem(
        id="t1",
        lang=lang,
        category="ordinal",
        question="When was the second meeting?",
        gold=["PP10"],
        key_facts=[SECOND],
        wrong=[FIRST],
        answerable=answerable,
    )


def answer(text: str, answerable: bool = True, quote: str = "") -> Answer:
    citation = Citation(doc="A/C.3/74/L.11/Rev.1", paragraph="PP10", quote=quote, translation="", supported=True)
    return Answer(
        question="q",
        answer=text,
        answerable=answerable,
        language="en",
        citations=[citation] if answerable else [],
        generator="extractive",
    )


def test_a_statement_with_the_key_fact_and_a_wrong_value_is_not_correct():
    right = judge(item(), answer("The second meeting was held from 25 to 28 February 2013 [PP10]."), TEXTS)
    both = judge(item(), answer("The meetings were held 17-21 January 2011 and 25-28 February 2013 [PP10]."), TEXTS)
    assert right.statement_correct and not right.wrong_stated
    assert both.statement_correct is False and both.wrong_stated == ["17 to 21 January 2011"]
    metrics = answer_metrics([right, both])
    assert metrics["statement_correct"] == 0.5 and metrics["wrong_fact_rate"] == 0.5


def test_key_facts_only_in_a_quote_are_evidence_not_statement():
    quoted = judge(item(), answer("See the paragraph [PP10].", quote="2013 年 2 月 25 日至 28 日"), TEXTS)
    assert quoted.evidence_facts == 1.0 and quoted.statement_correct is False


def test_chinese_spacing_and_dashes_do_not_decide_a_match():
    spaced = judge(item("zh"), answer("第二次会议于 2013 年 2 月 25 日至 28 日举行 [PP10]。"), TEXTS)
    dashed = judge(item(), answer("It met on 25–28 February 2013 [PP10]."), TEXTS)
    assert spaced.statement_correct and dashed.statement_correct
    assert not KeyFact(en=["73/27"]).found_in("resolution 73/273") and not KeyFact(en=["24"]).found_in("in 2024")


def test_a_refused_answerable_question_is_not_correct_and_not_a_wrong_answer():
    refused = judge(item(), answer("The text does not say this.", answerable=False), TEXTS)
    assert refused.statement_correct is False and refused.statement_chars is None
    metrics = answer_metrics([refused])
    assert metrics["statement_correct"] == 0.0 and metrics["false_refusal"] == 1.0
    assert metrics["wrong_fact_rate"] is None  # no answered item: a refusal neither dilutes nor counts


def test_statement_length_is_per_language_and_leaves_markers_out():
    en = judge(item(), answer("It met on 25-28 February 2013 [PP10]."), TEXTS)
    zh = judge(item("zh"), answer("2013年2月25日至28日 [PP10]"), TEXTS)
    assert en.statement_chars == len("It met on 25-28 February 2013 .") and zh.statement_chars == len(
        "2013年2月25日至28日"
    )
    metrics = answer_metrics([en, zh])
    assert metrics["statement_chars_p50_en"] == en.statement_chars and metrics["statement_chars_p50_zh"] == 14


def test_fabricated_facts_are_read_against_the_cited_paragraphs_as_written():
    made_up = judge(item(), answer("It met from 25 to 28 March 2013 [PP10]."), TEXTS)
    assert made_up.fabricated == ["march"]
    assert missing_figures("第 3 次会议", [TEXTS[PP10]["zh"]]) == ["3"]
    assert not missing_figures("见 PP10：2011 年 1 月", [TEXTS[PP10]["zh"]])  # a paragraph ID is no fact
