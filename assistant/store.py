"""The Chroma store: embedded (PersistentClient in data_dir) by default, a Chroma server when
CHROMA_HOST is set. Same code for both. Embeddings are always computed by our embedder and passed
in: Chroma's default embedding function downloads a model and is never used."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import NotFoundError
from langchain_core.embeddings import Embeddings

from .errors import EmbedderMismatch, IndexRebuilt, IndexUnavailable, StoreUnreachable
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
    note: str = ""  # what the index was built without, in one sentence (expansions not yet generated)


def store_failure(exc: BaseException) -> bool:
    """Chroma's Rust core reports a damaged sqlite file as a panic, which Python sees as a
    BaseException (pyo3's PanicException), not an Exception: both are a failure of the store."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def connect(settings: Settings) -> ClientAPI:
    """The client; an embedded store that does not exist is a missing index, not a folder to create:
    only an ingest creates it (Store.ingest)."""
    chroma = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma)
        except Exception as exc:
            log.debug("Chroma server connection failed", exc_info=True)
            raise StoreUnreachable(f"{settings.chroma_host}:{settings.chroma_port}") from exc
    if not settings.chroma_path.is_dir():
        raise IndexUnavailable(f"no store at {settings.chroma_path}")
    with _stderr_kept() as said:
        try:
            return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma)
        except BaseException as exc:
            if not store_failure(exc):
                raise
            said.clear()  # the panic's report goes to the log, not the screen
            log.debug("Opening the embedded store failed", exc_info=True)
            SharedSystemClient.clear_system_cache()  # Chroma caches the half-started client
            raise IndexUnavailable(f"{type(exc).__name__}: {exc}") from exc


@contextmanager
def _stderr_kept() -> Iterator[list[str]]:
    """Rust's panic hook writes its report straight to file descriptor 2, past Python: while the
    store opens, fd 2 goes to a temporary file, whose text is logged, and written back to stderr unless
    the caller clears the list (a panic already turned into one sentence)."""
    saved = os.dup(2)
    with tempfile.TemporaryFile() as spool:
        os.dup2(spool.fileno(), 2)
        said: list[str] = ["kept"]
        try:
            yield said
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            spool.seek(0)
            text = spool.read().decode(errors="replace")
            if text:
                log.info("The store wrote on stderr: %s", text)
            if text and said:
                sys.stderr.write(text)


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


def _chunk(chunk_id: str, document: str, meta: Mapping[str, Any]) -> Chunk:
    return Chunk(
        id=chunk_id,
        indexed=document,
        footnotes=[f for f in meta.get("footnotes", "").split(",") if f],
        cited_by=[f for f in meta.get("cited_by", "").split(",") if f],
        view=meta.get("view", "text"),
        **{k: meta[k] for k in ("doc", "paragraph", "lang", "kind", "part", "text")},
    )


class Store:
    """Chunks live in generations: collections named `<collection>-g<time>`. A pointer collection
    (`<collection>-live`, empty, its metadata naming the live generation) says which one serves. An
    ingest builds a new generation beside the live one and only then moves the pointer, so an ingest
    killed at any moment leaves the previous index serving; the previous generation is kept until the
    next ingest, so a server that loaded it keeps working until it follows the pointer (`is_live`)."""

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

    @property
    def pointer_name(self) -> str:
        return f"{self.settings.index_collection}-live"

    def live_name(self) -> str | None:
        """The generation the pointer names; an index from before generations is its own collection."""
        names = {c.name for c in self.client.list_collections()}
        if self.pointer_name in names:
            live = (self.client.get_collection(self.pointer_name).metadata or {}).get("live")
            if live in names:
                return live
        return self.settings.index_collection if self.settings.index_collection in names else None

    def is_live(self) -> bool:
        """Whether the generation this store opened is still the one the pointer names: an ingest in
        another process may have moved it. A pointer that cannot be read leaves things as they are."""
        if self._collection is None:
            return True
        try:
            return self.live_name() == self._collection.name
        except Exception:
            log.debug("Reading the pointer failed", exc_info=True)
            return True

    def collection(self) -> Collection:
        """The live collection, checked once to have been made by this embedder."""
        if self._collection is not None:
            return self._collection
        try:
            name = self.live_name()
            if name is None:
                raise IndexUnavailable("no index")
            col = self.client.get_collection(name, embedding_function=None)
            count = col.count()
        except (StoreUnreachable, IndexUnavailable):
            raise
        except Exception as exc:
            log.debug("Opening the collection failed", exc_info=True)
            raise IndexUnavailable(str(exc)) from exc
        meta = col.metadata or {}
        if count and (meta.get("embedder"), meta.get("dimension")) != (self.embedder_id, self.dimension):
            raise EmbedderMismatch(
                f"{meta.get('embedder')} ({meta.get('dimension')} dimensions)",
                f"{self.embedder_id} ({self.dimension} dimensions)",
            )
        if count == 0:
            raise IndexUnavailable(f"{name} is empty")
        self._collection, self._count = col, count
        return col

    def ingest(
        self,
        chunks: list[Chunk],
        embedder: Embeddings,
        rebuild: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> IngestReport:
        """Bring the index to exactly these chunks. IDs are content hashes: chunks the live generation
        already holds are copied with their vectors, only new ones are embedded, and nothing changes
        (no new generation) when nothing would. `rebuild` builds from nothing, embedding everything.
        New chunks are embedded in batches; `progress(done, total)` is called after each."""
        self._collection = None
        self._create_embedded()
        if rebuild:
            self._forget_if_unreadable()
        try:
            live = self.live_name()
            previous = None if rebuild else self._reusable(live)
            existing = set(self._ids(previous)) if previous else set()
        except Exception as exc:  # the hint, not Chroma's words ("…compactor…"), for a damaged store
            log.debug("Reading the live collection failed", exc_info=True)
            raise IndexUnavailable(str(exc)) from exc
        wanted = {c.id: c for c in chunks}
        new = [c for cid, c in wanted.items() if cid not in existing]
        stale = sorted(existing - wanted.keys())
        kept = sorted(existing & wanted.keys())
        report = IngestReport(added=len(new), removed=len(stale), kept=len(kept))
        if previous is not None and not new and not stale:
            return report
        target = self.client.create_collection(
            f"{self.settings.index_collection}-g{time.time_ns():x}",
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedder": self.embedder_id, "dimension": self.dimension},
        )
        self._copy(previous, target, kept)
        for start in range(0, len(new), BATCH):
            batch = new[start : start + BATCH]
            target.add(
                ids=[c.id for c in batch],
                # chromadb's type is list[Sequence[float]], which a list[list[float]] is not (lists are invariant)
                embeddings=embedder.embed_documents([c.indexed for c in batch]),  # type: ignore[arg-type]
                documents=[c.indexed for c in batch],
                metadatas=[_metadata(c) for c in batch],
            )
            if progress:
                progress(start + len(batch), len(new))
        self._switch(target.name, live)
        return report

    @staticmethod
    def _copy(previous: Collection | None, target: Collection, ids: list[str]) -> None:
        """Chunks the live generation already holds, copied with their vectors."""
        if previous is None:  # chunks are kept only from a previous generation
            return
        for start in range(0, len(ids), BATCH):
            try:
                got = previous.get(ids=ids[start : start + BATCH], include=["embeddings", "documents", "metadatas"])
            except Exception as exc:
                log.debug("Reading the live collection failed", exc_info=True)
                raise IndexUnavailable(str(exc)) from exc
            target.add(
                ids=got["ids"], embeddings=got["embeddings"], documents=got["documents"], metadatas=got["metadatas"]
            )

    def _create_embedded(self) -> None:
        if not self.settings.chroma_host:
            self.settings.chroma_path.mkdir(parents=True, exist_ok=True)

    def _reusable(self, name: str | None) -> Collection | None:
        """The live collection when its vectors can be copied: same embedder and dimension."""
        if name is None:
            return None
        col = self.client.get_collection(name, embedding_function=None)
        meta = col.metadata or {}
        return col if (meta.get("embedder"), meta.get("dimension")) == (self.embedder_id, self.dimension) else None

    def _switch(self, live: str, previous: str | None) -> None:
        """Point at the new generation (one metadata write), then drop all but it and the one before."""
        pointer = self.client.get_or_create_collection(self.pointer_name, embedding_function=None)
        pointer.modify(metadata={"live": live})
        generation = f"{self.settings.index_collection}-g"
        for col in self.client.list_collections():
            stale = col.name.startswith(generation) or col.name == self.settings.index_collection
            if stale and col.name not in (live, previous):
                self.client.delete_collection(col.name)
        self._sweep_segments()

    def _sweep_segments(self) -> None:
        """Chroma 1.x's embedded store deletes a collection from its sqlite file but leaves its vector
        segment folder (`chroma/<segment uuid>/`) on disk (chroma-core/chroma#5259), so each rebuild
        would leave one more. Folders named by a UUID that no segment row names are removed; this runs
        under the ingest lock, so no other ingest is creating one."""
        if self.settings.chroma_host:
            return
        root = self.settings.chroma_path
        db = sqlite3.connect(f"file:{root / 'chroma.sqlite3'}?mode=ro", uri=True, timeout=30)
        try:
            segments = {row[0] for row in db.execute("SELECT id FROM segments")}
        finally:
            db.close()
        for folder in root.iterdir():
            if folder.is_dir() and _is_uuid(folder.name) and folder.name not in segments:
                log.info("Removing the folder of a deleted collection: %s", folder)
                shutil.rmtree(folder, ignore_errors=True)

    def _forget_if_unreadable(self) -> None:
        """An embedded store too damaged to read is removed whole before a rebuild."""
        try:
            live = self.live_name()
            if live:
                self.client.get_collection(live, embedding_function=None).get(limit=1)
        except Exception:
            if self.settings.chroma_host:
                raise
            log.warning("Embedded store unreadable; removing %s", self.settings.chroma_path, exc_info=True)
            SharedSystemClient.clear_system_cache()
            shutil.rmtree(self.settings.chroma_path, ignore_errors=True)
            self._client = None
            self._create_embedded()

    @staticmethod
    def _ids(col: Collection) -> list[str]:
        ids: list[str] = []
        while page := col.get(include=[], limit=PAGE, offset=len(ids))["ids"]:
            ids += page
        return ids

    def chunks(self) -> list[Chunk]:
        col, out = self.collection(), list[Chunk]()
        while True:
            got = col.get(include=["documents", "metadatas"], limit=PAGE, offset=len(out))
            if not got["ids"]:
                return out
            documents, metadatas = got["documents"] or [], got["metadatas"] or []  # both asked for: both there
            out += [_chunk(i, d, m) for i, d, m in zip(got["ids"], documents, metadatas, strict=True)]

    def dense(self, vector: Sequence[float], n: int) -> list[tuple[str, float]]:
        """Chunk IDs by cosine similarity, best first."""
        col = self.collection()  # its size was counted once, when it was opened: one round trip less per query
        try:
            got = col.query(query_embeddings=[vector], n_results=min(n, self._count), include=["distances"])
        except NotFoundError as exc:  # two ingests since this store opened it: the generation is gone
            log.info("Collection %s was deleted by an ingest", col.name)
            raise IndexRebuilt(col.name) from exc
        distances = got["distances"] or [[]]  # asked for: there
        return [(cid, 1.0 - dist) for cid, dist in zip(got["ids"][0], distances[0], strict=True)]


def _is_uuid(name: str) -> bool:
    try:
        return str(uuid.UUID(name)) == name
    except ValueError:
        return False
