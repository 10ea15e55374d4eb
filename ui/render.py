"""HTML for the web UI. Every piece of text, whether from the documents, a question or a model, goes
through `esc` before it meets markup; markup is only ever built here, from escaped pieces. The chat
additionally runs Gradio's sanitiser, but nothing relies on it."""

from __future__ import annotations

import html
import re
from typing import Literal

from assistant.knowledge import KIND_EN
from assistant.models import Answer, CatalogueEntry, Citation
from assistant.refs import MARKER, RESOLUTION, footnote_number
from assistant.service import ParagraphView, Queued
from assistant.text import markers

NOT_SAID_LABEL = {"en": "The text does not say this", "zh": "案文没有说明这一点"}
REFERENCE_LABEL = {"en": "Nearest paragraphs, for reference only", "zh": "最接近的段落，仅供参考"}
SOURCES_LABEL = {"en": "Sources", "zh": "来源"}
SEE_ALSO_LABEL = {"en": "See also", "zh": "另见"}


def esc(text: str) -> str:
    return html.escape(text or "", quote=True)


def lines(text: str) -> str:
    """Escaped text with its line breaks kept."""
    return esc(text).replace("\n", "<br>")


ChipLook = Literal["cited", "reference", "also"]
CHIP_LOOKS: dict[ChipLook, tuple[str, str]] = {
    "cited": ("chip", "Show the source paragraph"),
    "reference": ("chip ref", "Nearest paragraph (not support): show it"),
    "also": ("chip also", "Retrieved for the question, not cited by the answer: show it"),
}


def chip(turn: int, pid: str, look: ChipLook = "cited") -> str:
    """A paragraph chip; its value "turn:paragraph" names the paragraph (Gradio's sanitiser keeps `value`,
    not data-* attributes). Every look opens the source panel alike (ui/chips.js)."""
    kind, title = CHIP_LOOKS[look]
    return f'<button type="button" class="{kind}" value="{esc(f"{turn}:{pid}")}" title="{title}">{esc(pid)}</button>'


def with_chips(text: str, turn: int, cited: set[str]) -> str:
    """Escaped text in which each marker such as [OP3] or [PP6, FN1] becomes clickable chips."""
    out, last = [], 0
    for match in MARKER.finditer(text):
        ids = [pid for pid in markers(match.group(0)) if pid in cited]
        if not ids:
            continue
        out.append(lines(text[last : match.start()]))
        out.append("".join(chip(turn, pid) for pid in ids))
        last = match.end()
    out.append(lines(text[last:]))
    return "".join(out)


def question_html(question: str) -> str:
    return f'<div class="question">{lines(question)}</div>'


def queued_html(item: Queued) -> str:
    ahead = "1 question is" if item.position == 1 else f"{item.position} questions are"
    return (
        f'<div class="queued">Waiting for the {esc(item.generator)} model: {ahead} ahead of yours '
        f"(place {item.position + 1} in the queue).</div>"
    )


def draft_html(answer: Answer) -> str:
    return (
        '<div class="draft"><div class="draft-label">Draft, being checked against the text…</div>'
        f"{lines(answer.answer)}</div>"
    )


def answer_html(answer: Answer, turn: int) -> str:
    """A verified answer with chips; 'the text does not say' in its own look, its paragraphs as references."""
    if answer.draft:
        return draft_html(answer)
    lang = answer.language
    notices = "".join(f'<div class="notice">{esc(n)}</div>' for n in answer.notices)
    ids = [c.paragraph for c in answer.citations]
    if not answer.answerable:
        refs = "".join(chip(turn, pid, "reference") for pid in ids)
        refs_row = f'<div class="refs">{esc(REFERENCE_LABEL[lang])}: {refs}</div>' if refs else ""
        return (
            f'<div class="not-said"><div class="not-said-label">{esc(NOT_SAID_LABEL[lang])}</div>'
            f"<div>{lines(answer.answer)}</div>{refs_row}{notices}</div>"
        )
    body = []
    for line in answer.answer.splitlines():
        bullet = line.lstrip().startswith(("- ", "* ", "• "))
        text = with_chips(line.lstrip()[2:] if bullet else line, turn, set(ids))
        body.append(f"<li>{text}</li>" if bullet else f"<p>{text}</p>")
    html_body = re.sub(r"((?:<li>.*?</li>)+)", r"<ul>\1</ul>", "".join(body))
    quotes = "".join(quote_html(c, turn) for c in answer.citations if c.supported)
    sources = f'<div class="sources">{esc(SOURCES_LABEL[lang])}:{quotes}</div>' if quotes else ""
    also = "".join(chip(turn, pid, "also") for pid in answer.see_also)
    see_also = f'<div class="see-also">{esc(SEE_ALSO_LABEL[lang])}: {also}</div>' if also else ""
    return f'<div class="answer">{html_body}{sources}{see_also}{notices}</div>'


def quote_html(citation: Citation, turn: int) -> str:
    """One source under the statement: its chip, the official words it rests on and their English (unless
    the official text is the English), so the statement itself stays one to three short sentences."""
    english = citation.translation if citation.translation != citation.quote else ""
    translation = f'<div class="translation">{lines(english)}</div>' if english else ""
    return (
        f'<div class="quote-block">{chip(turn, citation.paragraph)}'
        f'<div class="quote-text">“{lines(citation.quote)}”</div>{translation}</div>'
    )


def error_html(message: str) -> str:
    return f'<div class="error">{esc(message)}</div>'


def status_html(generator: str, model: str | None, answer: Answer | None = None) -> str:
    parts = [f"Generator: <b>{esc(generator)}</b>", f"model: <b>{esc(model or 'none')}</b>"]
    if answer is not None:
        t = answer.timings
        parts.append(f"last answer by {esc(answer.generator)}{' (' + esc(answer.model) + ')' if answer.model else ''}")
        parts.append(f"retrieval {t.retrieve_ms:.0f} ms")
        parts.append(f"generation {t.generate_ms:.0f} ms")
        parts.append(f"total {t.total_ms:.0f} ms")
    return '<div class="status-line">' + " · ".join(parts) + "</div>"


# --- paragraphs -------------------------------------------------------------------------------


def marked(text: str, highlight: str = "", markers: list[tuple[int, str]] = (), anchor: str = "doc") -> str:
    """Escaped text with `highlight` (a verbatim span) in <mark> and footnote markers as links."""
    start = text.find(highlight) if highlight else -1
    end = start + len(highlight) if start >= 0 else -1
    cuts = sorted({0, len(text), *([start, end] if start >= 0 else []), *(o for o, _ in markers if o <= len(text))})
    out = []
    for i, pos in enumerate(cuts):
        if pos == end:
            out.append("</mark>")
        for offset, fid in markers:
            if offset == pos:
                number = esc(footnote_number(fid))
                out.append(f'<sup class="fn"><a href="#{anchor}-{esc(fid)}" title="{esc(fid)}">{number}</a></sup>')
        if pos == start:
            out.append('<mark class="quote">')
        if i + 1 < len(cuts):
            out.append(lines(text[pos : cuts[i + 1]]))
    return "".join(out)


def safe_url(url: str | None) -> str | None:
    return url if url and re.match(r"https?://", url) else None


def catalogue_html(entry: CatalogueEntry) -> str:
    symbol = entry.symbol or entry.published_in or entry.id
    when = entry.date.isoformat() if entry.date else (str(entry.year) if entry.year else "")
    title = f" “{esc(entry.title)}”" if entry.title else ""
    url = safe_url(entry.url)
    link = f' <a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{esc(url)}</a>' if url else ""
    return (
        f'<li class="cat"><b>{esc(symbol)}</b> · {esc(KIND_EN.get(entry.kind, entry.kind))}{title}'
        f' · {esc(when)}<div lang="en">{esc(entry.description_en)}</div>'
        f'<div lang="zh">{esc(entry.description_zh)}</div>{link}</li>'
    )


def english_label(view: ParagraphView) -> str:
    """The resolution's English (and the catalogue's) is the project's own; a cited UN document's English
    version is as official as its Chinese."""
    return (
        "English rendering (unofficial)"
        if view.doc == RESOLUTION or view.kind == "catalogue"
        else "Official text (English)"
    )


def source_html(view: ParagraphView, citation: Citation | None, see_also: bool = False) -> str:
    """The source panel: official text with the quoted span highlighted, the unofficial English beside
    it (its matching span highlighted), the paragraph's footnotes and the catalogue entries of the
    documents it cites. A see-also paragraph has no citation: it is shown whole, nothing highlighted."""
    quote = citation.quote if citation else ""
    translation = citation.translation if citation else ""
    note = ""
    if citation is not None and not citation.supported:
        note = '<div class="ref-note">Nearest paragraph, for reference only: it does not answer the question.</div>'
    elif citation is None and see_also:
        note = '<div class="ref-note">Retrieved for the question; the answer does not cite it.</div>'
    footnotes = "".join(
        f'<li id="src-{esc(f.id)}"><b>{esc(f.id)}</b> <span lang="zh">{lines(f.zh)}</span>'
        f'<div lang="en" class="unofficial-text">{lines(f.en)}</div></li>'
        for f in view.footnotes
    )
    catalogue = "".join(catalogue_html(e) for e in view.catalogue)
    cited_by = ", ".join(esc(p) for p in view.cited_by)
    if view.zh:
        official = (
            f'<div class="official"><div class="lang-label">Official text (Chinese)</div>'
            f'<div lang="zh">{marked(view.zh, quote, view.markers, "src")}</div></div>'
            f'<div class="unofficial"><div class="lang-label">{esc(english_label(view))}</div>'
            f'<div lang="en">{marked(view.en, translation)}</div></div>'
        )
    else:  # a cited document held in English only: its English is the official text
        official = (
            f'<div class="official"><div class="lang-label">Official text (English)</div>'
            f'<div lang="en">{marked(view.en, quote)}</div></div>'
        )
    return (
        f'<div class="source" data-paragraph="{esc(view.id)}">'
        f"<h3>{esc(view.id)} <small>{esc(view.doc)} · {esc(view.label['en'])}</small></h3>{note}"
        '<div class="side-by-side">'
        + official
        + "</div>"
        + (f"<h4>Footnotes</h4><ul>{footnotes}</ul>" if footnotes else "")
        + (f"<h4>Documents cited</h4><ul>{catalogue}</ul>" if catalogue else "")
        + (f'<div class="cited-by">Cited in: {cited_by}</div>' if cited_by else "")
        + "</div>"
    )


def document_html(views: list[ParagraphView], query: str = "") -> str:
    """The whole resolution, paragraph by paragraph, Chinese and English side by side; `query` keeps
    only the paragraphs whose ID or text contains it (either language, any case)."""
    needle = query.strip().casefold()
    shown = [v for v in views if not needle or any(needle in s.casefold() for s in (v.id, v.zh, v.en))]
    if not shown:
        return f'<div class="doc-empty">No paragraph contains “{esc(query.strip())}”.</div>'
    rows = []
    for v in shown:
        refs = "".join(f' <sup class="fn"><a href="#doc-{esc(f.id)}">{esc(f.id)}</a></sup>' for f in v.footnotes)
        back = "".join(f' <a class="back" href="#doc-{esc(p)}">↩ {esc(p)}</a>' for p in v.cited_by)
        rows.append(
            f'<section class="para" id="doc-{esc(v.id)}"><a class="pid" href="#doc-{esc(v.id)}">{esc(v.id)}</a>'
            f'<div class="zh" lang="zh">{marked(v.zh, "", v.markers, "doc")}{back}</div>'
            f'<div class="en" lang="en">{marked(v.en)}{refs}</div></section>'
        )
    count = f"{len(shown)} of {len(views)} paragraphs" if needle else f"{len(views)} paragraphs"
    header = (
        '<div class="doc-head"><span>Official text (Chinese)</span><span>English rendering (unofficial)</span>'
        f"<span>{count}</span></div>"
    )
    return f'<div class="document">{header}{"".join(rows)}</div>'
