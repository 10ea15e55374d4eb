"""Wiring: knowledge files -> chunks -> store, and store -> retriever. The one place that knows
which embedder goes with which store."""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

from .embeddings import E5Embeddings
from .errors import IngestBusy
from .expansion import cached, passages
from .knowledge import build_chunks, load
from .retrieval import HybridRetriever
from .settings import Settings
from .sources.chunks import document_chunks
from .sources.kept import mark_indexed, parsed_documents
from .store import IngestReport, Store

log = logging.getLogger(__name__)


def make_embedder(settings: Settings) -> E5Embeddings:
    return E5Embeddings(settings.embed_threads, cache_path=settings.embedding_cache, query_tokens=settings.query_tokens)


def make_store(settings: Settings) -> Store:
    return Store(settings, E5Embeddings.model_id, E5Embeddings.dimension)


@contextmanager
def ingest_lock(settings: Settings, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """One ingest at a time per data directory: a second one waits up to `ingest_wait` seconds for the
    first, then gives up with a sentence naming it. The lock is the kernel's (flock), so it is released
    when its holder dies, even by SIGKILL."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(settings.data_dir / "ingest.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        started, told = time.monotonic(), False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
                waited = time.monotonic() - started
                if waited >= settings.ingest_wait:
                    raise IngestBusy(holder, settings.ingest_wait) from None
                if not told:
                    message = f"Another ingest (process {holder or 'unknown'}) is building the index; waiting for it."
                    log.warning(message)
                    if on_wait:
                        on_wait(message)
                    told = True
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def ingest(
    settings: Settings,
    rebuild: bool = False,
    embedder: E5Embeddings | None = None,
    on_wait: Callable[[str], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """The resolution and its knowledge files, and every cited document fetched or added (assistant/sources/),
    into the collection of `settings.aids` (the unaided index beside the normal one), with the expansions
    `assistant expand` has written (expansion.py; never made here, so an ingest never waits for a model).
    `progress(done, total)` follows the chunks being embedded and added."""
    with ingest_lock(settings, on_wait):
        docs = parsed_documents(settings)
        knowledge = load(settings)
        generated = cached(settings, passages(settings, knowledge, docs))
        chunks = build_chunks(knowledge, settings, generated.found) + document_chunks(settings, docs, generated.found)
        embedder = embedder or make_embedder(settings)
        report = make_store(settings).ingest(chunks, embedder, rebuild=rebuild, progress=progress)
        report = replace(report, note=generated.note)
        if settings.aids == "all":  # `sources list` tells what the normal index holds, not the unaided one
            mark_indexed(settings, docs)
    return report


def open_retriever(settings: Settings, embedder: E5Embeddings | None = None) -> HybridRetriever:
    """A loaded retriever; raises IndexUnavailable with the fix when the index is missing."""
    embedder = embedder or make_embedder(settings)
    return HybridRetriever(settings=settings, store=make_store(settings), embedder=embedder, k=settings.k).load()
