"""The documents the resolution cites, as a library: the catalogue with what we hold of each, fetching
and adding official texts, parsing them, and the chunks that put them in the same index as the
resolution. Paragraphs of a cited document are cited by key, `[A/74/130 ¶12]`.

Also the Python API for the UI: `document_view(symbol)` (catalogue entry, status, provenance and
paragraphs of one document) and `citation_links()` (which cited documents each paragraph of the
resolution points to, e.g. FN5 -> A/74/130).

data_dir/sources/<symbol with _ for />/
    <lang>.pdf|docx        the official file, as downloaded or added
    <lang>.json            its provenance (SourceFile): URL, final URL, time, sha256, size
    <lang>.parsed.json     the parse (ParsedDocument), redone whenever the file's checksum changes
data_dir/sources/indexed.json   what the last ingest put in the index: symbol|lang -> file sha256:parser"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydantic import BaseModel, Field

from .documents import parser_version, structure
from .errors import BadInput, UserError
from .fetching import LANG_NAMES, LANGS, FetchError, check_symbol, fetch, folder, forget, keep
from .knowledge import KIND_EN, KIND_ZH, load_catalogue, split_to_budget
from .knowledge import chunk_id as make_chunk_id
from .models import CatalogueEntry, Chunk, Lang, ParsedDocument, SourceFile
from .readers import UnreadableFile, read, sniff
from .refs import Ref
from .settings import Settings

log = logging.getLogger(__name__)


class UnreadableDocument(UserError):
    pass


# --- what we hold --------------------------------------------------------------------------------


def fetch_symbol(entry: CatalogueEntry) -> str | None:
    """The symbol under which a catalogue entry's text is published: its own, or the report that
    carries it (a CCPCJ resolution is printed in E/2013/30)."""
    if entry.symbol:
        return entry.symbol
    return entry.published_in.split(",")[0].strip() if entry.published_in else None


def parsed_documents(settings: Settings) -> list[ParsedDocument]:
    return [d for path in sorted(settings.sources_dir.glob("*/*.parsed.json")) if (d := _load(settings, path))]


def load_document(settings: Settings, symbol: str, lang: Lang) -> ParsedDocument | None:
    path = folder(settings, symbol) / f"{lang}.parsed.json"
    return _load(settings, path) if path.exists() else None


def _load(settings: Settings, path: Path) -> ParsedDocument | None:
    """A kept parse; one made by older parsing code is redone from its file first."""
    try:
        doc = ParsedDocument.model_validate_json(path.read_text(encoding="utf-8"))
        if doc.parser != parser_version() and (path.parent / doc.source.path).exists():
            doc = parse_source(settings, doc.source)
    except (ValueError, UserError):
        log.warning("unreadable parse %s; fetch or add the document again", path, exc_info=True)
        return None
    return doc


def _version(doc: ParsedDocument) -> str:
    """What makes a document's chunks: its file and the parsing code."""
    return f"{doc.source.sha256}:{doc.parser}"


def _indexed_path(settings: Settings) -> Path:
    return settings.sources_dir / "indexed.json"


def indexed(settings: Settings) -> dict[str, str]:
    path = _indexed_path(settings)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def mark_indexed(settings: Settings, docs: list[ParsedDocument]) -> None:
    """Record what the index now holds, so `sources list` can tell indexed from merely downloaded."""
    if not docs and not _indexed_path(settings).exists():
        return
    settings.sources_dir.mkdir(parents=True, exist_ok=True)
    record = {f"{d.symbol}|{d.lang}": _version(d) for d in docs}
    _indexed_path(settings).write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")


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
                **_status(by_symbol.get(symbol or "", []), held),
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
                    **_status(group, held),
                )
            )
    return rows


def _status(docs: list[ParsedDocument], held: dict[str, str]) -> dict:
    if not docs:
        return {"status": "metadata only", "languages": [], "paragraphs": 0}
    langs = sorted(d.lang for d in docs if held.get(f"{d.symbol}|{d.lang}") == _version(d))
    count = max(len(d.paragraphs) for d in docs)
    if not langs:
        return {"status": "downloaded, not indexed (run `assistant ingest`)", "languages": [], "paragraphs": count}
    return {"status": f"full text ({', '.join(langs)})", "languages": langs, "paragraphs": count}


# --- getting texts -------------------------------------------------------------------------------


@dataclass
class Outcome:
    symbol: str
    lang: Lang
    message: str
    ok: bool
    downloaded: bool = False
    paragraphs: int = 0


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def parse_source(settings: Settings, source: SourceFile) -> ParsedDocument:
    """Parse a kept file (again only if its checksum changed) and keep the parse beside it."""
    out = folder(settings, source.symbol) / f"{source.lang}.parsed.json"
    if out.exists():
        previous = ParsedDocument.model_validate_json(out.read_text(encoding="utf-8"))
        if previous.source.sha256 == source.sha256 and previous.parser == parser_version():
            return previous
    path = folder(settings, source.symbol) / source.path
    try:
        doc = structure(source.symbol, source.lang, read(path, source.lang), source)
    except UnreadableFile as exc:
        log.warning("cannot parse %s", path, exc_info=True)
        raise UnreadableDocument(
            f"The {source.format.upper()} file of {source.symbol} ({source.lang}) cannot be read ({exc}); it looks "
            "damaged or truncated and was not kept: fetch it again, or add a good copy with `assistant sources add`."
        ) from exc
    if len(doc.paragraphs) < 2:
        raise UnreadableDocument(
            f"No paragraphs were found in the {source.format.upper()} file of {source.symbol} ({source.lang}): it "
            "may be a scan without text; add a DOCX or a PDF with text with `assistant sources add`."
        )
    out.write_text(doc.model_dump_json(indent=1), encoding="utf-8")
    return doc


def fetch_documents(
    settings: Settings,
    symbols: list[str],
    langs: list[Lang],
    echo: Callable[[str], None] = lambda s: None,
    ingest: bool = True,
) -> Report:
    """Fetch, parse and index the official texts of `symbols` in `langs`; one failure does not stop
    the others."""
    report = Report()
    with httpx.Client(timeout=settings.fetch_timeout, follow_redirects=True) as client:
        for symbol in symbols:
            for lang in langs:
                outcome = _fetch_one(settings, client, symbol, lang)
                echo(outcome.message)
                report.outcomes.append(outcome)
    if ingest and (any(o.downloaded for o in report.outcomes) or not _all_indexed(settings)):
        _ingest(settings, echo)
    return report


def _all_indexed(settings: Settings) -> bool:
    held = indexed(settings)
    return all(held.get(f"{d.symbol}|{d.lang}") == _version(d) for d in parsed_documents(settings))


def _fetch_one(settings: Settings, client: httpx.Client, symbol: str, lang: Lang) -> Outcome:
    try:
        got = fetch(settings, symbol, lang, client)
        try:
            doc = parse_source(settings, got.source)
        except UnreadableDocument:
            forget(settings, symbol, lang)
            raise
    except UserError as exc:
        return Outcome(symbol, lang, f"{symbol} ({lang}): {exc}", ok=False)
    src = got.source
    if got.downloaded:
        how = "resumed and completed" if got.resumed else "downloaded"
        what = f"{how} {src.format.upper()}, {src.bytes} bytes, sha256 {src.sha256[:12]}… from {src.final_url}"
    else:
        what = f"cached {src.format.upper()} (sha256 {src.sha256[:12]}… checked), nothing downloaded"
    return Outcome(
        symbol,
        lang,
        f"{symbol} ({lang}): {what}; {len(doc.paragraphs)} paragraphs.",
        True,
        got.downloaded,
        len(doc.paragraphs),
    )


def add_document(settings: Settings, file: Path, symbol: str, lang: Lang, ingest: bool = True) -> ParsedDocument:
    """A file the user already has, kept and cited exactly like a downloaded one."""
    symbol = canonical_symbol(settings, symbol)
    if lang not in LANGS:
        raise BadInput(f"Language {lang!r} is not supported: use zh or en.")
    if not file.is_file():
        raise BadInput(f"No file at {file}: check the path.")
    if sniff(file.read_bytes()[:8]) is None:
        raise BadInput(f"{file} is neither a PDF nor a DOCX file: add the official document as PDF or DOCX.")
    source = keep(settings, symbol, lang, file, file.resolve().as_uri(), None)
    try:
        doc = parse_source(settings, source)
    except UnreadableDocument:
        forget(settings, symbol, lang)
        raise
    if ingest:
        _ingest(settings, lambda s: None)
    return doc


def _ingest(settings: Settings, echo: Callable[[str], None]) -> None:
    from .indexing import ingest

    report = ingest(settings)
    echo(f"Index: {report.added} chunks added, {report.removed} removed, {report.kept} unchanged.")


def canonical_symbol(settings: Settings, symbol: str) -> str:
    """The catalogue's spelling of a symbol typed in any case (a/res/70/174 -> A/RES/70/174)."""
    known = {fetch_symbol(e) for e in load_catalogue(settings.knowledge_dir).values()} - {None}
    for s in known:
        if s.lower() == symbol.strip().lower():
            return s
    return check_symbol(symbol)


def parse_langs(value: str) -> list[Lang]:
    langs = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in langs if v not in LANGS]
    if bad or not langs:
        raise BadInput(f"Unsupported language {', '.join(bad) or value!r}: use zh, en or zh,en.")
    return list(dict.fromkeys(langs))  # type: ignore[arg-type]


def all_symbols(settings: Settings) -> list[str]:
    """Every document the resolution cites, once, by the symbol its text is published under."""
    return list(dict.fromkeys(s for e in load_catalogue(settings.knowledge_dir).values() if (s := fetch_symbol(e))))


# --- into the index ------------------------------------------------------------------------------


def document_chunks(settings: Settings, docs: list[ParsedDocument] | None = None) -> list[Chunk]:
    """Chunks of every parsed document: each paragraph with its document, name and headings
    prefixed to what is indexed, so 'the Secretary-General's report on ...' reaches it."""
    catalogue = {fetch_symbol(e): e for e in load_catalogue(settings.knowledge_dir).values()}
    chunks: list[Chunk] = []
    for doc in parsed_documents(settings) if docs is None else docs:
        entry = catalogue.get(doc.symbol)
        label = (KIND_EN if doc.lang == "en" else KIND_ZH)[entry.kind] if entry else ""
        about = ", ".join(x for x in (doc.symbol, label, f"“{doc.title}”" if doc.title else "") if x)
        for p in doc.paragraphs:
            key = doc.key(p.id)
            head = f"{about}, {Ref(doc.symbol, p.id).name(doc.lang)}" + (f" ({p.section})" if p.section else "")
            if p.cited_by:
                head += f", to {', '.join(p.cited_by)}"
            for part, piece in enumerate(split_to_budget(p.text, settings.chunk_tokens)):
                indexed = f"{head}: {piece}"
                chunks.append(
                    Chunk(
                        id=make_chunk_id(doc.symbol, key, doc.lang, part, indexed),
                        doc=doc.symbol,
                        paragraph=key,
                        lang=doc.lang,
                        kind=p.kind,
                        part=part,
                        text=piece,
                        indexed=indexed,
                        footnotes=[doc.key(m.footnote) for m in p.markers],
                    )
                )
    return chunks


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
    status = _status(docs, indexed(settings))
    return DocumentView(
        symbol=symbol,
        entries=entries,
        status=status["status"],
        languages=status["languages"],
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


__all__ = [
    "FetchError",
    "LANG_NAMES",
    "citation_links",
    "document_view",
    "fetch_documents",
    "list_sources",
]
