"""The Chroma store: embedded (PersistentClient in data_dir) by default, a Chroma server when
CHROMA_HOST is set. Same code for both. Embeddings are always computed by our embedder and passed
in: Chroma's default embedding function downloads a model and is never used."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings
from langchain_core.embeddings import Embeddings

from .errors import IndexUnavailable, StoreUnreachable
from .models import Chunk
from .settings import Settings

log = logging.getLogger(__name__)
BATCH = 256
PAGE = 5000  # chunks per read: a Chroma server refuses very large responses


@dataclass
class IngestReport:
    added: int
    removed: int
    kept: int


def connect(settings: Settings) -> ClientAPI:
    chroma = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma)
        except Exception as exc:
            log.debug("Chroma server connection failed", exc_info=True)
            raise StoreUnreachable(f"{settings.chroma_host}:{settings.chroma_port}") from exc
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma)


def _metadata(chunk: Chunk) -> dict:
    return {
        "doc": chunk.doc,
        "paragraph": chunk.paragraph,
        "lang": chunk.lang,
        "kind": chunk.kind,
        "part": chunk.part,
        "view": chunk.view,
        "text": chunk.text,
        "footnotes": ",".join(chunk.footnotes),
        "cited_by": ",".join(chunk.cited_by),
    }


def _chunk(chunk_id: str, document: str, meta: dict) -> Chunk:
    return Chunk(
        id=chunk_id,
        indexed=document,
        footnotes=[f for f in meta.get("footnotes", "").split(",") if f],
        cited_by=[f for f in meta.get("cited_by", "").split(",") if f],
        view=meta.get("view", "text"),
        **{k: meta[k] for k in ("doc", "paragraph", "lang", "kind", "part", "text")},
    )


class Store:
    def __init__(self, settings: Settings, embedder_id: str, dimension: int) -> None:
        self.settings = settings
        self.embedder_id = embedder_id
        self.dimension = dimension
        self._client: ClientAPI | None = None
        self._collection: Collection | None = None
        self._count = 0

    @property
    def client(self) -> ClientAPI:
        if self._client is None:
            self._client = connect(self.settings)
        return self._client

    def collection(self) -> Collection:
        """The built collection, checked once to have been made by this embedder."""
        if self._collection is not None:
            return self._collection
        try:
            col = self.client.get_collection(self.settings.collection, embedding_function=None)
            count = col.count()
        except (StoreUnreachable, IndexUnavailable):
            raise
        except Exception as exc:
            log.debug("Opening the collection failed", exc_info=True)
            raise IndexUnavailable(str(exc)) from exc
        meta = col.metadata or {}
        if count == 0 or meta.get("embedder") != self.embedder_id or meta.get("dimension") != self.dimension:
            raise IndexUnavailable(f"count={count} metadata={meta}")
        self._collection, self._count = col, count
        return col

    def ingest(
        self,
        chunks: list[Chunk],
        embedder: Embeddings,
        rebuild: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> IngestReport:
        """Bring the collection to exactly these chunks. IDs are content hashes, so unchanged chunks
        are kept without re-embedding, and a changed paragraph's old chunks are removed. Chunks are
        embedded and added in batches; `progress(done, total)` is called after each."""
        name = self.settings.collection
        self._collection = None
        if rebuild:
            self._drop(name)
        col = self.client.get_or_create_collection(
            name,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedder": self.embedder_id, "dimension": self.dimension},
        )
        if (col.metadata or {}).get("embedder") != self.embedder_id:
            raise IndexUnavailable("built with another embedder")
        existing = set(self._ids(col))
        wanted = {c.id: c for c in chunks}
        new = [c for cid, c in wanted.items() if cid not in existing]
        stale = sorted(existing - wanted.keys())
        for start in range(0, len(new), BATCH):
            batch = new[start : start + BATCH]
            col.add(
                ids=[c.id for c in batch],
                embeddings=embedder.embed_documents([c.indexed for c in batch]),
                documents=[c.indexed for c in batch],
                metadatas=[_metadata(c) for c in batch],
            )
            if progress:
                progress(start + len(batch), len(new))
        for start in range(0, len(stale), BATCH):
            col.delete(ids=stale[start : start + BATCH])
        return IngestReport(added=len(new), removed=len(stale), kept=len(existing & wanted.keys()))

    def _drop(self, name: str) -> None:
        """Remove the collection; an embedded store too damaged to open is removed whole."""
        try:
            if name in [c.name for c in self.client.list_collections()]:
                self.client.delete_collection(name)
        except Exception:
            if self.settings.chroma_host:
                raise
            log.warning("Embedded store unreadable; removing %s", self.settings.chroma_path, exc_info=True)
            SharedSystemClient.clear_system_cache()
            shutil.rmtree(self.settings.chroma_path, ignore_errors=True)
            self._client = None

    @staticmethod
    def _ids(col: Collection) -> list[str]:
        ids: list[str] = []
        while page := col.get(include=[], limit=PAGE, offset=len(ids))["ids"]:
            ids += page
        return ids

    def chunks(self) -> list[Chunk]:
        col, out = self.collection(), []
        while True:
            got = col.get(include=["documents", "metadatas"], limit=PAGE, offset=len(out))
            if not got["ids"]:
                return out
            out += [_chunk(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)]

    def dense(self, vector: list[float], n: int) -> list[tuple[str, float]]:
        """Chunk IDs by cosine similarity, best first."""
        col = self.collection()  # its size was counted once, when it was opened: one round trip less per query
        got = col.query(query_embeddings=[vector], n_results=min(n, self._count), include=["distances"])
        return [(cid, 1.0 - dist) for cid, dist in zip(got["ids"][0], got["distances"][0], strict=True)]
