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
