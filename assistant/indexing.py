"""Wiring: knowledge files -> chunks -> store, and store -> retriever. The one place that knows
which embedder goes with which store."""

from __future__ import annotations

from collections.abc import Callable

from .embeddings import E5Embeddings
from .knowledge import build_chunks, load
from .retrieval import HybridRetriever
from .settings import Settings
from .store import IngestReport, Store


def make_embedder(settings: Settings) -> E5Embeddings:
    return E5Embeddings(settings.embed_threads, cache_path=settings.embedding_cache)


def make_store(settings: Settings) -> Store:
    return Store(settings, E5Embeddings.model_id, E5Embeddings.dimension)


def ingest(
    settings: Settings,
    rebuild: bool = False,
    embedder: E5Embeddings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """The resolution and its knowledge files, and every cited document fetched or added (sources.py).
    `progress(done, total)` follows the chunks being embedded and added."""
    from .sources import document_chunks, mark_indexed, parsed_documents

    docs = parsed_documents(settings)
    chunks = build_chunks(load(settings), settings) + document_chunks(settings, docs)
    embedder = embedder or make_embedder(settings)
    report = make_store(settings).ingest(chunks, embedder, rebuild=rebuild, progress=progress)
    mark_indexed(settings, docs)
    return report


def open_retriever(settings: Settings, embedder: E5Embeddings | None = None) -> HybridRetriever:
    """A loaded retriever; raises IndexUnavailable with the fix when the index is missing."""
    embedder = embedder or make_embedder(settings)
    return HybridRetriever(settings=settings, store=make_store(settings), embedder=embedder, k=settings.k).load()
