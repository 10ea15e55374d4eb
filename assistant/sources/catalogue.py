"""The documents the resolution cites, as the catalogue and the UI see them: what we hold of each
(`list_sources`), one document's entry, status, provenance and paragraphs (`document_view`), and which
cited documents each paragraph of the resolution points to (`citation_links`, e.g. FN5 -> A/74/130)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from ..errors import BadInput
from ..knowledge import KIND_EN, load_catalogue
from ..models import CatalogueEntry, Lang, ParsedDocument, SourceFile
from ..settings import Settings
from .fetching import LANGS, check_symbol
from .kept import indexed, load_document, parsed_documents, version


def fetch_symbol(entry: CatalogueEntry) -> str | None:
    """The symbol under which a catalogue entry's text is published: its own, or the report that
    carries it (a CCPCJ resolution is printed in E/2013/30)."""
    if entry.symbol:
        return entry.symbol
    return entry.published_in.split(",")[0].strip() if entry.published_in else None


class SourceStatus(BaseModel):
    """One line of `assistant sources list`."""

    id: str = Field(description="Catalogue ID (the symbol, or e.g. CCPCJ-22/8 for a resolution without one).")
    symbol: str | None
    kind: str = Field(description="ga-resolution, gge-report, sg-report, ...; 'added' for a document not cited.")
    kind_label: str
    date: dt.date | None
    year: int | None
    title: str | None
    annex: str | None = None
    published_in: str | None = None
    cited_in: list[str]
    status: str = Field(description="'metadata only', 'full text (en, zh)', or 'downloaded, not indexed'.")
    languages: list[Lang] = Field(description="Languages whose full text is in the index.")
    paragraphs: int = Field(0, description="Paragraphs parsed, in the language with most.")
    url: str | None


def list_sources(settings: Settings) -> list[SourceStatus]:
    """Every document the resolution cites (catalogue order), then any other document added."""
    catalogue = load_catalogue(settings.knowledge_dir)
    docs = parsed_documents(settings)
    held = indexed(settings)
    by_symbol: dict[str, list[ParsedDocument]] = {}
    for d in docs:
        by_symbol.setdefault(d.symbol, []).append(d)
    rows = []
    for entry in catalogue.values():
        symbol = fetch_symbol(entry)
        rows.append(
            SourceStatus(
                id=entry.id,
                symbol=entry.symbol,
                kind=entry.kind,
                kind_label=KIND_EN[entry.kind],
                date=entry.date,
                year=entry.year,
                title=entry.title,
                annex=entry.annex,
                published_in=entry.published_in,
                cited_in=entry.cited_in,
                url=entry.url,
                **holding(by_symbol.get(symbol or "", []), held),
            )
        )
    cited = {fetch_symbol(e) for e in catalogue.values()}
    for symbol, group in sorted(by_symbol.items()):
        if symbol not in cited:
            rows.append(
                SourceStatus(
                    id=symbol,
                    symbol=symbol,
                    kind="added",
                    kind_label="document not cited by the resolution",
                    date=None,
                    year=None,
                    title=group[0].title,
                    cited_in=[],
                    url=f"https://undocs.org/{symbol}",
                    **holding(group, held),
                )
            )
    return rows


def holding(docs: list[ParsedDocument], held: dict[str, str]) -> dict:
    if not docs:
        return {"status": "metadata only", "languages": [], "paragraphs": 0}
    langs = sorted(d.lang for d in docs if held.get(f"{d.symbol}|{d.lang}") == version(d))
    count = max(len(d.paragraphs) for d in docs)
    if not langs:
        return {"status": "downloaded, not indexed (run `assistant ingest`)", "languages": [], "paragraphs": count}
    return {"status": f"full text ({', '.join(langs)})", "languages": langs, "paragraphs": count}


def canonical_symbol(settings: Settings, symbol: str) -> str:
    """The catalogue's spelling of a symbol typed in any case (a/res/70/174 -> A/RES/70/174)."""
    known = {s for e in load_catalogue(settings.knowledge_dir).values() if (s := fetch_symbol(e))}
    for s in known:
        if s.lower() == symbol.strip().lower():
            return s
    return check_symbol(symbol)


def all_symbols(settings: Settings) -> list[str]:
    """Every document the resolution cites, once, by the symbol its text is published under."""
    return list(dict.fromkeys(s for e in load_catalogue(settings.knowledge_dir).values() if (s := fetch_symbol(e))))


# --- for the UI ----------------------------------------------------------------------------------


class ViewParagraph(BaseModel):
    id: str = Field(description="ID within the document: ¶12, OP3, annex ¶5(a), FN2.")
    key: str = Field(description="Citation key as it appears in answers: 'A/74/130 ¶12'.")
    kind: str
    section: str | None
    text: dict[str, str] = Field(description="Text by language, official in each.")
    footnotes: list[str] = Field(default_factory=list)
    cited_by: list[str] = Field(default_factory=list)


class DocumentView(BaseModel):
    """Everything the UI shows for a cited document: catalogue facts, what we hold, its paragraphs."""

    symbol: str
    entries: list[CatalogueEntry] = Field(description="Catalogue entries published under this symbol.")
    status: str
    languages: list[Lang]
    title: dict[str, str] = Field(default_factory=dict)
    sources: list[SourceFile] = Field(default_factory=list, description="Provenance of each language's file.")
    paragraphs: list[ViewParagraph] = Field(default_factory=list)
    url: str


def document_view(settings: Settings, symbol: str) -> DocumentView:
    """Catalogue entry, status, provenance and paragraphs (aligned across languages) of one document."""
    symbol = canonical_symbol(settings, symbol)
    entries = [e for e in load_catalogue(settings.knowledge_dir).values() if fetch_symbol(e) == symbol]
    docs = [d for lang in LANGS if (d := load_document(settings, symbol, lang))]
    if not entries and not docs:  # else it would be shown as "metadata only" with no metadata at all
        raise BadInput(
            f"{symbol} is not a document the resolution cites, and no text of it was added: "
            "`assistant sources list` shows the documents it cites."
        )
    paragraphs: dict[str, ViewParagraph] = {}
    for doc in docs:
        for p in doc.paragraphs:
            view = paragraphs.setdefault(
                p.id,
                ViewParagraph(
                    id=p.id,
                    key=doc.key(p.id),
                    kind=p.kind,
                    section=p.section,
                    text={},
                    footnotes=[m.footnote for m in p.markers],
                    cited_by=p.cited_by,
                ),
            )
            view.text[doc.lang] = p.text
    held = holding(docs, indexed(settings))
    return DocumentView(
        symbol=symbol,
        entries=entries,
        status=held["status"],
        languages=held["languages"],
        title={d.lang: d.title for d in docs if d.title},
        sources=[d.source for d in docs],
        paragraphs=list(paragraphs.values()),
        url=f"https://undocs.org/{symbol}",
    )


def citation_links(settings: Settings) -> dict[str, list[str]]:
    """Paragraph of the resolution -> symbols of the documents it cites (FN5 -> [A/74/130])."""
    links: dict[str, list[str]] = {}
    for entry in load_catalogue(settings.knowledge_dir).values():
        symbol = fetch_symbol(entry)
        for pid in entry.cited_in:
            if symbol and symbol not in links.setdefault(pid, []):
                links[pid].append(symbol)
    return links
