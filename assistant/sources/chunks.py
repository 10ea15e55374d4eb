"""The chunks that put the parsed documents in the same index as the resolution. Paragraphs of a
cited document are cited by key, `[A/74/130 ¶12]`."""

from __future__ import annotations

from ..knowledge import KIND_EN, KIND_ZH, load_catalogue, split_to_budget
from ..knowledge import chunk_id as make_chunk_id
from ..models import Chunk, ParsedDocument
from ..refs import Ref
from ..settings import Settings
from .catalogue import fetch_symbol
from .kept import parsed_documents


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
