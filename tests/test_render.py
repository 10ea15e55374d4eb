"""No markup gets through from a model, a document or a question: ui/render.py escapes everything."""

import re

from assistant.models import Answer, CatalogueEntry, Citation
from assistant.service import FootnoteView, ParagraphView, Queued
from ui import render

HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)">x</a>'


def tags(html: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<\s*([a-zA-Z]+)", html)}


def test_model_text_and_quotes_are_escaped():
    citation = Citation(doc="A/1", paragraph="OP3", quote=HOSTILE, translation=HOSTILE, supported=True)
    answer = Answer(
        question=HOSTILE,
        answer=f"- {HOSTILE} [OP3]\n{HOSTILE} [OP9]",
        answerable=True,
        language="en",
        citations=[citation],
        generator="local",
        notices=[HOSTILE],
    )
    html = render.answer_html(answer, 0) + render.question_html(HOSTILE) + render.draft_html(answer)
    assert tags(html) <= {"div", "ul", "li", "p", "button", "br"}
    assert 'value="0:OP3"' in html and "[OP9]" in html  # a marker for a paragraph not cited stays text
    assert "&lt;script&gt;" in html


def test_document_and_catalogue_text_is_escaped():
    entry = CatalogueEntry(
        id="X",
        symbol=HOSTILE,
        kind="sg-report",
        cited_in=["OP1"],
        description_en=HOSTILE,
        description_zh=HOSTILE,
        url="javascript:alert(1)",
    )
    view = ParagraphView(
        doc=HOSTILE,
        id="OP1",
        kind="operative",
        label={"en": HOSTILE, "zh": HOSTILE},
        zh=HOSTILE,
        en=HOSTILE,
        markers=[(5, "FN1")],
        footnotes=[FootnoteView(id="FN1", zh=HOSTILE, en=HOSTILE)],
        catalogue=[entry],
    )
    citation = Citation(doc="A/1", paragraph="OP1", quote="onerror", translation="", supported=False)
    html = render.source_html(view, citation) + render.document_html([view]) + render.document_html([view], HOSTILE)
    assert "script" not in tags(html) and "img" not in tags(html) and 'href="javascript' not in html
    assert '<mark class="quote">onerror</mark>' in html


def test_queue_place_is_shown():
    assert "place 3 in the queue" in render.queued_html(Queued(generator="local", position=2))


def statement(**update) -> Answer:
    """The README question's answer as the chain gives it: a short statement, its quote, see-also IDs."""
    op3 = Citation(
        doc="A/C.3/74/L.11/Rev.1",
        paragraph="OP3",
        quote="于 2020 年 8 月在纽约召开为期三天的组织会议",
        translation="a three-day organizational session in New York in August 2020",
        supported=True,
    )
    fields = dict(
        question="When and where will the organizational session be held?",
        answer="In New York in August 2020 [OP3].",
        answerable=True,
        language="en",
        citations=[op3],
        see_also=["PP10", "OP6"],
        generator="extractive",
    )
    return Answer(**{**fields, **update})


def test_quotes_are_shown_under_the_statement_never_inside_it():
    html = render.answer_html(statement(), 2)
    said, _, under = html.partition('<div class="sources">')
    assert "In New York in August 2020" in said and 'value="2:OP3"' in said
    assert "纽约" not in said and "three-day" not in said  # the quote and its English are not the statement
    block = under.split('<div class="quote-block">')[1]
    assert block.startswith('<button type="button" class="chip" value="2:OP3"')
    assert "“于 2020 年 8 月在纽约召开为期三天的组织会议”" in block
    assert '<div class="translation">a three-day organizational session in New York in August 2020</div>' in block


def test_an_english_official_quote_is_not_repeated_as_its_translation():
    english = Citation(doc="A/74/130", paragraph="A/74/130 ¶12", quote="Member States", translation="", supported=True)
    same = english.model_copy(update={"paragraph": "A/74/130 ¶13", "translation": "Member States"})
    both = statement(answer="Member States [A/74/130 ¶12, A/74/130 ¶13].", citations=[english, same])
    html = render.answer_html(both, 0)
    assert html.count("Member States") == 3 and 'class="translation"' not in html


def test_see_also_chips_open_the_source_and_are_not_citations():
    html = render.answer_html(statement(), 0)
    row = html.split('<div class="see-also">')[1]
    assert row.startswith("See also: ")
    assert 'class="chip also" value="0:PP10"' in row and 'class="chip also" value="0:OP6"' in row
    assert 'value="0:OP3"' not in row  # a cited paragraph is a source, not a see-also
    zh = render.answer_html(statement(language="zh", answer="2020 年 8 月在纽约 [OP3]。"), 0)
    assert "另见: " in zh and "来源:" in zh
    assert 'class="see-also"' not in render.answer_html(statement(see_also=[]), 0)


def test_a_refusal_keeps_its_reference_chips_and_has_no_see_also():
    reference = statement().citations[0].model_copy(update={"supported": False})
    refused = statement(answer="The text does not say this.", answerable=False, citations=[reference], see_also=[])
    html = render.answer_html(refused, 0)
    assert 'class="chip ref" value="0:OP3"' in html and "quote-block" not in html and "see-also" not in html


def view_op3() -> ParagraphView:
    return ParagraphView(
        doc="A/C.3/74/L.11/Rev.1",
        id="OP3",
        kind="operative",
        label={"en": "Operative paragraph 3", "zh": "执行部分第3段"},
        zh="3. 又决定特设委员会应于 2020 年 8 月在纽约召开为期三天的组织会议，以便商定其进一步活动的纲要和方式",
        en="Also decides that the ad hoc committee shall convene a three-day organizational session in New York "
        "in August 2020 in order to agree on an outline and modalities for its further activities",
    )


def test_the_source_panel_highlights_the_short_quote_and_its_english():
    html = render.source_html(view_op3(), statement().citations[0])
    assert '<mark class="quote">于 2020 年 8 月在纽约召开为期三天的组织会议</mark>' in html
    assert '<mark class="quote">a three-day organizational session in New York in August 2020</mark>' in html


def test_a_see_also_paragraph_opens_whole_without_highlight():
    html = render.source_html(view_op3(), None, see_also=True)
    assert "<mark" not in html and "the answer does not cite it" in html and "于 2020 年 8 月" in html


def test_a_catalogue_entry_without_a_date_leaves_no_empty_clause():
    from assistant.knowledge import catalogue_text

    entry = CatalogueEntry(
        id="E/1/1",
        symbol="E/1/1",
        kind="official-records",
        year=2001,
        title_zh="理事会正式记录，2001 年，补编第 1 号",
        cited_in=["FN1"],
        description_en="Records.",
        description_zh="正式记录。",
    )
    assert "，。" not in catalogue_text(entry, "zh")
