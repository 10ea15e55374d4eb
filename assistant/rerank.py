"""The model's judgement on the first few hits: for each, the probability that it answers "yes" to "does the
passage answer the question?" (one token, read from the reply's log-probabilities), added to the fused score.
A pointwise reranker from the generator's own model: the registry carries no cross-encoder with its weights.

Measured on the development retrieval set, the first 4 hits, the probability added to the fused score with
weight 1.0. Every question reranked: unaided (no expansions.yaml) recall@1 English 0.74 -> 0.82, Chinese
0.755 -> 0.918, but aided English 0.92 -> 0.90. Only where the fusion is unsure (the second hit within 0.05 of
the first; 42 of 99 questions unaided, 24 aided): unaided 0.74 -> 0.78 and 0.755 -> 0.878, aided 0.92 -> 0.94
and 0.959 -> 0.98, so that is the default (`Settings.rerank_margin`). Reranking 2 or 3 hits gained less
(docs/evaluation.md). One short model call per hit, 2.9 s a question on 2 cores for 4; about one question in
three is judged, so the local generator's median time to first token moves 1.80 -> 1.88 s (p95 3.66 -> 6.35 s,
benchmarks/answer_latency.py), and it is on wherever the local model answers (`backend`).
Judgements are cached on disk by model, prompt, question and passage: a re-run costs nothing."""

from __future__ import annotations

import hashlib
import logging
import math
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from langchain_core.runnables import Runnable

from .llm import chat_model, load_prompt, local_model_path
from .models import Hit
from .settings import Settings

log = logging.getLogger(__name__)
PROMPT = "judge.md"
YES, NO = {"yes", "是"}, {"no", "否"}
PASSAGE_CHARS = 1500  # longer than any paragraph of the resolution; a fetched document's long one is cut

Judge = Callable[[str, str], float]
Backend = Literal["local", "openai", "none"]


def backend(settings: Settings) -> Backend:
    """The model that judges: `Settings.reranker`, with auto meaning the local model wherever it is the one that
    answers (installed, and the generator auto or local), so that no setting starts a model that nothing else uses
    and a machine without it (CI) ranks by the fusion alone."""
    if settings.reranker != "auto":
        return settings.reranker
    answers_locally = settings.generator in ("auto", "local") and local_model_path(settings).exists()
    return "local" if answers_locally else "none"


def combined(hits: list[Hit], judged: list[float], weight: float) -> list[Hit]:
    """The judged hits (the first len(judged)) reordered by fused score + weight × P(yes); the rest after them."""
    head = sorted(range(len(judged)), key=lambda i: -(hits[i].score + weight * judged[i]))
    return [hits[i] for i in head] + hits[len(judged) :]


def p_yes(top_logprobs: list[dict]) -> float:
    """P(yes) / (P(yes) + P(no)) over the reply's first-token alternatives; 0.5 when neither is among them."""
    yes = sum(math.exp(t["logprob"]) for t in top_logprobs if t["token"].strip().lower() in YES)
    no = sum(math.exp(t["logprob"]) for t in top_logprobs if t["token"].strip().lower() in NO)
    return yes / (yes + no) if yes + no else 0.5


class Judgements:
    """Cache of judgements by key (sqlite, like the embedding cache); derived data, safe to delete."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open(path)
        except sqlite3.DatabaseError as exc:  # derived data: a damaged file is set aside, never an error
            aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
            path.replace(aside)
            log.warning("The judgement cache %s was damaged (%s); it was set aside as %s.", path, exc, aside.name)
            self._db = self._open(path)
        self._lock = threading.Lock()

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, check_same_thread=False)
        db.execute("CREATE TABLE IF NOT EXISTS judgements (key TEXT PRIMARY KEY, p REAL)")
        return db

    def get(self, key: str) -> float | None:
        with self._lock:
            row = self._db.execute("SELECT p FROM judgements WHERE key = ?", (key,)).fetchone()
        return None if row is None else float(row[0])

    def put(self, key: str, p: float) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO judgements VALUES (?, ?)", (key, p))


class ModelJudge:
    """P(yes) from the reranker's model (`Settings.reranker`: the local model or the OpenAI-compatible one)."""

    def __init__(self, settings: Settings, by: Literal["local", "openai"]) -> None:
        self.settings, self.by = settings, by
        self.system = load_prompt(PROMPT, settings.prompts_dir)
        model = local_model_path(settings).name if by == "local" else settings.openai_model
        self._salt = f"{model}\n{self.system}\n"
        self._cache = Judgements(settings.judgement_cache)
        self._llm: Runnable | None = None

    def __call__(self, question: str, passage: str) -> float:
        key = hashlib.sha256(f"{self._salt}{question}\n{passage}".encode()).hexdigest()
        if (cached := self._cache.get(key)) is not None:
            return cached
        p = self._ask(question, passage[:PASSAGE_CHARS])
        self._cache.put(key, p)
        return p

    def _ask(self, question: str, passage: str) -> float:
        llm = self._llm
        if llm is None:
            llm = self._llm = chat_model(self.settings, self.by).bind(max_tokens=1, logprobs=True, top_logprobs=20)
        user = f"Passage:\n{passage}\n\nQuestion: {question}\n\nDoes the passage answer the question? Reply yes or no."
        reply = llm.invoke([("system", self.system), ("user", user)])
        content = (reply.response_metadata.get("logprobs") or {}).get("content") or []
        if content:
            return p_yes(content[0].get("top_logprobs") or [])
        word = str(reply.content).strip().lower()  # an endpoint without log-probabilities: its word
        return 1.0 if word in YES else 0.0 if word in NO else 0.5


def rerank(
    hits: list[Hit], question: str, lang: str, judge: Judge, depth: int, weight: float, margin: float
) -> list[Hit]:
    """The hits with their first `depth` reordered by the judge when the fusion is unsure (the second hit's
    score within `margin` of the first's); unchanged when the judge fails (a missing or dead model must not
    cost the answer)."""
    if len(hits) < 2 or hits[0].score - hits[1].score > margin:
        return hits
    head = hits[:depth]
    try:
        judged = [judge(question, hit.text.get(lang) or next(iter(hit.text.values()), "")) for hit in head]
    except Exception:
        log.warning("the reranker failed; the fused order stands", exc_info=True)
        return hits
    return combined(hits, judged, weight)
