"""What is kept of each document on disk: its parse beside its file, and the record of what the last
ingest put in the index.

data_dir/sources/<symbol with _ for />/
    <lang>.pdf|docx        the official file, as downloaded or added (fetching.py)
    <lang>.json            its provenance (SourceFile): URL, final URL, time, sha256, size
    <lang>.parsed.json     the parse (ParsedDocument), redone whenever the file's checksum changes
data_dir/sources/indexed.json   what the last ingest put in the index: symbol|lang -> file sha256:parser"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ..errors import UserError
from ..models import Lang, ParsedDocument, SourceFile
from ..settings import Settings
from .documents import parser_version, structure
from .fetching import folder
from .readers import UnreadableFile, read

log = logging.getLogger(__name__)


class UnreadableDocument(UserError):
    pass


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


def version(doc: ParsedDocument) -> str:
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
    record = {f"{d.symbol}|{d.lang}": version(d) for d in docs}
    _indexed_path(settings).write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")


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


def all_indexed(settings: Settings) -> bool:
    held = indexed(settings)
    return all(held.get(f"{d.symbol}|{d.lang}") == version(d) for d in parsed_documents(settings))
