"""The chunks that put the parsed documents in the same index as the resolution. Paragraphs of a
cited document are cited by key, `[A/74/130 ¶12]`."""

from __future__ import annotations

from collections.abc import Mapping

from ..knowledge import KIND_EN, KIND_ZH, load_catalogue, split_to_budget
from ..knowledge import chunk_id as make_chunk_id
from ..models import Chunk, Expansion, Lang, ParsedDocument, View
from ..refs import Ref
from ..settings import Settings
from .catalogue import fetch_symbol
from .fetching import LANGS
from .kept import parsed_documents


def document_chunks(
    settings: Settings,
    docs: list[ParsedDocument] | None = None,
    generated: Mapping[tuple[str, str], list[Expansion]] | None = None,
) -> list[Chunk]:
    """Chunks of every parsed document: each paragraph with its document, name and headings
    prefixed to what is indexed, so 'the Secretary-General's report on ...' reaches it. The expansions a
    model wrote for a paragraph (`generated`, by (document, key): expansion.py) follow it, in both
    languages, so a question in Chinese reaches a document held in English only."""
    unexpanded = dict(generated or {})  # a paragraph held in both languages has one key: its expansions go once
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
            pieces = split_to_budget(p.text, settings.chunk_tokens)
            views: list[tuple[View, Lang, str, str]] = [("text", doc.lang, x, f"{head}: {x}") for x in pieces]
            for expansion in unexpanded.pop((doc.symbol, key), []):
                written = ((lang, expansion.indexed(lang)) for lang in LANGS)
                views += [("generated", lang, "", f"{head}: {text}") for lang, text in written if text]
            for part, (view, lang, shown, indexed) in enumerate(views):
                chunks.append(
                    Chunk(
                        id=make_chunk_id(doc.symbol, key, lang, part, view, indexed),
                        doc=doc.symbol,
                        paragraph=key,
                        lang=lang,
                        kind=p.kind,
                        part=part,
                        view=view,
                        text=shown,
                        indexed=indexed,
                        footnotes=[doc.key(m.footnote) for m in p.markers],
                    )
                )
    return chunks
