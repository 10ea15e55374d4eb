"""Getting texts: fetch official files or add one the user has, parse them, and put them in the index.

The one module of `assistant.sources` above the index: the rest of the family is read by
`indexing`, and this module calls `indexing.ingest` once the files are in."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ..errors import BadInput, UserError
from ..indexing import ingest as run_ingest
from ..models import Lang, ParsedDocument
from ..settings import Settings
from .catalogue import canonical_symbol
from .fetching import LANGS, fetch, forget, keep
from .kept import UnreadableDocument, all_indexed, parse_source
from .readers import sniff

log = logging.getLogger(__name__)


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
    if ingest and (any(o.downloaded for o in report.outcomes) or not all_indexed(settings)):
        _ingest(settings, echo)
    return report


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


def add_document(
    settings: Settings,
    file: Path,
    symbol: str,
    lang: Lang,
    ingest: bool = True,
    echo: Callable[[str], None] = lambda s: None,
) -> ParsedDocument:
    """A file the user already has, kept and cited exactly like a downloaded one; `echo` hears what the index
    was built without (its expansions, until `assistant expand` writes them)."""
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
    if ingest and (note := run_ingest(settings).note):
        echo(note)
    return doc


def _ingest(settings: Settings, echo: Callable[[str], None]) -> None:
    report = run_ingest(settings)
    echo(f"Index: {report.added} chunks added, {report.removed} removed, {report.kept} unchanged.")
    if report.note:
        echo(report.note)


def parse_langs(value: str) -> list[Lang]:
    langs = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in langs if v not in LANGS]
    if bad or not langs:
        raise BadInput(f"Unsupported language {', '.join(bad) or value!r}: use zh, en or zh,en.")
    return list(dict.fromkeys(langs))  # type: ignore[arg-type]
