"""The web UI in a real browser: Debian's chromium (`make browser`) driven by Playwright, against the
one `assistant ui` server of the session (extractive generator)."""

import json
from pathlib import Path

import pytest

from ui.screenshot import CHROMIUM, QUESTION, ask, launch, open_citation

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (Debian's chromium package).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, web_server):
    """A fresh tab on the app; every request it makes is recorded, to prove nothing leaves the machine."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.goto(web_server)
    page.locator("#question textarea").wait_for(timeout=60_000)
    yield page
    context.close()


def outside(urls, base):
    return [u for u in urls if not u.startswith((base, "data:", "blob:"))]


def test_citation_chip_opens_the_source_with_the_quote_highlighted(page, web_server, tmp_path):
    ask(page, QUESTION)
    answer = page.locator("#chat .answer").last
    assert "New York" in answer.inner_text()
    open_citation(page, "OP3")
    source = page.locator("#source .source")
    quote = source.locator("mark.quote").first
    assert quote.is_visible() and "纽约" in quote.inner_text()
    assert source.locator(".unofficial .lang-label").text_content() == "English rendering (unofficial)"
    assert "New York" in source.locator(".unofficial").inner_text()
    assert "retrieval" in page.locator("#status").inner_text()
    page.screenshot(path=str(tmp_path / "chat.png"))
    assert (tmp_path / "chat.png").stat().st_size > 10_000
    assert outside(page.requests, web_server) == [], "the page fetched something from outside"


def test_source_panel_lists_footnotes_and_cited_documents(page):
    ask(page, "What is A/74/130?")
    pid = page.locator("#chat button.chip").first.get_attribute("value").split(":", 1)[1]
    open_citation(page, pid)
    text = page.locator("#source .source").text_content()
    assert "A/74/130" in text and "Report of the Secretary-General".lower() in text.lower()
    assert "Footnotes" in text or "Cited in: OP1" in text


def test_markup_in_a_question_is_shown_as_text(page):
    hostile = '<script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2"> who pays?'
    ask(page, hostile)
    shown = page.locator("#chat .question").last.inner_text()
    assert "<script>" in shown and "onerror" in shown
    assert page.evaluate("window.pwned") is None
    assert page.locator('#chat img[src="x"], #chat script').count() == 0


def test_the_text_does_not_say_looks_different(page):
    ask(page, "How many countries voted in favour of the resolution?")
    refusal = page.locator("#chat .not-said").last
    assert refusal.is_visible() and "The text does not say this" in refusal.inner_text()
    assert page.locator("#chat .answer").count() == 0
    assert refusal.evaluate("e => getComputedStyle(e).borderLeftStyle") == "solid"


def test_feedback_button_appends_a_record(page, built):
    log = built.data_dir / "feedback.jsonl"
    before = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    ask(page, "特设委员会的组织会议在哪里举行？")
    page.click("#fb-citation")
    page.locator("#feedback-note .notice").wait_for(timeout=30_000)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(before) + 1
    record = json.loads(lines[-1])
    assert record["verdict"] == "wrong citation" and record["question"] == "特设委员会的组织会议在哪里举行？"
    assert record["citations"] and record["answer"]


def test_document_tab_filters_and_links_footnotes(page):
    page.get_by_role("tab", name="Document").click()
    document = page.locator("#document .document")
    document.wait_for()
    assert document.locator("section.para").count() == 30
    page.fill("#doc-filter textarea", "纽约")
    page.locator("#document .doc-head", has_text="of 30 paragraphs").wait_for(timeout=30_000)
    ids = document.locator("section.para").evaluate_all("nodes => nodes.map(n => n.id)")
    assert "doc-OP3" in ids and "doc-PP1" not in ids
    page.fill("#doc-filter textarea", "")
    page.locator("#document .doc-head", has_text="30 paragraphs").wait_for(timeout=30_000)
    page.locator('#doc-PP6 sup.fn a[href="#doc-FN1"]').first.click()
    assert page.evaluate("location.hash") == "#doc-FN1"
    assert page.locator("#doc-FN1").is_visible()


def test_a_second_turn_answers_the_follow_up_with_working_chips(page):
    ask(page, "When is the organizational session?")
    ask(page, "And where?")
    answers = page.locator("#chat .answer")
    assert answers.count() == 2 and "New York" in answers.nth(1).inner_text()
    assert page.locator('#chat .answer button.chip[value^="1:"]').first.get_attribute("value") == "1:OP3"
    open_citation(page, "OP3", turn=1)
    quote = page.locator('#source .source[data-paragraph="OP3"] mark.quote').first
    assert "纽约" in quote.inner_text()
    earlier = page.locator("#chat .answer").first.locator(".see-also button.chip").first
    pid = earlier.get_attribute("value").split(":", 1)[1]
    assert pid != "OP3"
    earlier.click()  # the first answer's chips still work
    page.locator(f'#source .source[data-paragraph="{pid}"]').wait_for(timeout=60_000)


def test_quotes_sit_under_the_statement_and_see_also_chips_open_their_paragraph(page):
    ask(page, QUESTION)
    answer = page.locator("#chat .answer").last
    assert "New York" in answer.locator("p").first.inner_text()
    assert "纽约" not in answer.locator("p").first.inner_text()
    block = answer.locator(".quote-block").first
    assert "纽约" in block.locator(".quote-text").inner_text()
    assert "New York" in block.locator(".translation").inner_text()
    also = answer.locator(".see-also button.chip.also")
    values = also.evaluate_all("nodes => nodes.map(n => n.value)")
    assert values and "0:OP3" not in values
    pid = values[0].split(":", 1)[1]
    also.first.click()
    source = page.locator(f'#source .source[data-paragraph="{pid}"]')
    source.wait_for(timeout=60_000)
    assert source.locator("mark").count() == 0 and "does not cite it" in source.inner_text()


def test_a_model_draft_is_shown_greyed_then_replaced_by_the_verified_answer(browser, built, monkeypatch):
    """The openai generator against a model server that writes a word every 0.4 s: the page shows the
    words as a greyed draft while they arrive, then the verified answer with its chips in its place."""
    from model_servers import serving

    from ui.screenshot import server

    reply = "The ad hoc committee shall convene a three-day organizational session in New York in August 2020 [OP3]."
    with serving("slow", reply=reply, pause=0.4) as base:
        monkeypatch.setenv("OPENAI_BASE_URL", base)
        monkeypatch.setenv("OPENAI_MODEL", "slow-model")
        with server(data_dir=built.data_dir, generator="openai") as url:
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            page.goto(url)
            page.fill("#question textarea", QUESTION)
            page.click("#ask")
            # Read in one script: Gradio replaces the message's markup at each streamed update.
            shown = page.wait_for_function(
                """() => {
                    const e = document.querySelector('#chat .draft .draft-label')?.parentElement;
                    if (!e || !e.innerText.includes('organizational')) return null;
                    const style = getComputedStyle(e);
                    return {font: style.fontStyle, color: style.color, chips: e.querySelectorAll('.chip').length};
                }""",
                timeout=120_000,
            ).json_value()
            assert shown == {"font": "italic", "color": "rgb(107, 114, 128)", "chips": 0}
            page.locator("#chat .answer").wait_for(timeout=120_000)
            assert page.locator("#chat .draft").count() == 0
            answer = page.locator("#chat .answer").last
            assert "New York" in answer.inner_text() and "failed" not in answer.inner_text()
            assert answer.locator('button.chip[value="0:OP3"]').count() >= 1
            assert "openai" in page.locator("#status").inner_text()
            context.close()
