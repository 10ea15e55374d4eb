"""The reranker (assistant/rerank.py): the model's P(yes) reorders the first hits and nothing else, a named
paragraph stays first, a failing model leaves the fused order, and judgements are cached. The model path runs
on the real llama.cpp engine with SmolLM2-135M, for structure only; quality is measured in docs/evaluation.md."""

import math
import sqlite3

import pytest

from assistant.indexing import open_retriever
from assistant.llm import smollm2_path
from assistant.models import Hit
from assistant.rerank import Judgements, ModelJudge, backend, combined, p_yes, rerank
from assistant.settings import Settings


def hit(paragraph: str, score: float) -> Hit:
    return Hit(doc="A/C.3/74/L.11/Rev.1", paragraph=paragraph, kind="paragraph", score=score, text={"en": paragraph})


HITS = [hit("PP1", 1.0), hit("PP2", 0.9), hit("PP3", 0.8), hit("OP1", 0.7)]


def test_the_judged_hits_are_reordered_by_score_plus_weighted_p_yes_and_the_rest_keep_their_place():
    out = combined(HITS, [0.1, 0.9, 0.5], weight=1.0)
    assert [h.paragraph for h in out] == ["PP2", "PP3", "PP1", "OP1"]
    assert [h.paragraph for h in combined(HITS, [0.1, 0.9, 0.5], weight=0.0)] == ["PP1", "PP2", "PP3", "OP1"]


def test_auto_judges_with_the_local_model_only_where_it_answers(tmp_path):
    model = tmp_path / "model.gguf"
    auto = Settings(reranker="auto", model_path=model, data_dir=tmp_path)
    assert backend(auto) == "none"  # not installed: the fused order, no error
    model.write_bytes(b"weights")
    assert backend(auto) == "local"
    assert backend(auto.model_copy(update={"generator": "local"})) == "local"
    assert backend(auto.model_copy(update={"generator": "extractive"})) == "none"
    assert backend(auto.model_copy(update={"generator": "openai"})) == "none"
    assert backend(auto.model_copy(update={"reranker": "openai"})) == "openai"


def test_p_yes_reads_yes_and_no_in_either_language_and_is_even_without_them():
    top = [{"token": "Yes", "logprob": math.log(0.6)}, {"token": " no", "logprob": math.log(0.2)}]
    assert p_yes(top) == pytest.approx(0.75)
    assert p_yes([{"token": "是", "logprob": 0.0}]) == 1.0
    assert p_yes([{"token": "Maybe", "logprob": 0.0}]) == 0.5


def test_a_failing_judge_leaves_the_fused_order():
    def broken(question: str, passage: str) -> float:
        raise ConnectionError("model server gone")

    assert rerank(HITS, "q", "en", broken, depth=4, weight=1.0, margin=1.0) == HITS


def test_a_sure_fusion_is_not_judged():
    asked: list[str] = []

    def judge(question: str, passage: str) -> float:
        asked.append(passage)
        return 1.0

    assert rerank(HITS, "q", "en", judge, depth=4, weight=1.0, margin=0.05) == HITS and asked == []
    assert rerank(HITS, "q", "en", judge, depth=2, weight=1.0, margin=0.1) == HITS and asked == ["PP1", "PP2"]


def test_a_damaged_judgement_cache_is_set_aside_and_a_new_one_works(tmp_path):
    path = tmp_path / "judgements.sqlite3"
    path.write_bytes(b"not a database, " * 100)
    cache = Judgements(path)
    cache.put("k", 0.25)
    assert cache.get("k") == 0.25 and cache.get("other") is None
    assert len(list(tmp_path.glob("judgements.sqlite3.damaged-*"))) == 1


@pytest.mark.llm
def test_smollm2_judges_cached_and_a_named_paragraph_stays_first(built, embedder, tmp_path):
    settings = built.model_copy(
        update={
            "reranker": "local",
            "model_path": smollm2_path(),
            "cache_dir": tmp_path,
            "llm_timeout": 900,
            "rerank_margin": 1.0,
        }
    )
    judge = ModelJudge(settings, "local")
    p = judge("Where will the session be held?", "The session shall be held in New York in August 2020.")
    assert 0.0 <= p <= 1.0
    assert judge("Where will the session be held?", "The session shall be held in New York in August 2020.") == p
    with sqlite3.connect(settings.judgement_cache) as db:
        assert db.execute("SELECT count(*) FROM judgements").fetchone()[0] == 1

    retriever = open_retriever(settings, embedder=embedder)
    assert retriever.search("What does OP3 say?", 5)[0].paragraph == "OP3"
    hits = retriever.search("Where will the organizational session be held?", 5)
    assert len(hits) == 5 and len({h.paragraph for h in hits}) == 5
    with sqlite3.connect(settings.judgement_cache) as db:
        assert db.execute("SELECT count(*) FROM judgements").fetchone()[0] == 1 + settings.rerank_depth
