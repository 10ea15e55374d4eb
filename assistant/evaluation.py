"""Retrieval evaluation: recall@1, recall@3 and MRR per language, and the misses.

An item is a question with its acceptable targets ("gold"); a ranking scores when any gold
paragraph appears. The evaluation sets measure quality; nothing in the code looks at them."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel

from .facts import unsupported
from .models import Answer
from .retrieval import HybridRetriever
from .text import strip_markers


class RetrievalItem(BaseModel):
    id: str
    lang: str
    question: str
    gold: list[str]
    type: str = ""


class Miss(BaseModel):
    id: str
    lang: str
    question: str
    gold: list[str]
    got: list[str]


class RetrievalReport(BaseModel):
    n: dict[str, int]
    recall_at_1: dict[str, float]
    recall_at_3: dict[str, float]
    mrr: dict[str, float]
    misses: list[Miss]


def load_items(path: Path) -> list[RetrievalItem]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [RetrievalItem.model_validate_json(line) for line in lines if line.strip()]


def evaluate_retrieval(retriever: HybridRetriever, items: list[RetrievalItem], depth: int = 10) -> RetrievalReport:
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    misses: list[Miss] = []
    for item in items:
        got = [h.paragraph for h in retriever.search(item.question, depth)]
        rank = next((i for i, p in enumerate(got, start=1) if p in item.gold), None)
        for lang in (item.lang, "all"):
            s = sums[lang]
            s["n"] += 1
            s["r1"] += rank == 1
            s["r3"] += rank is not None and rank <= 3
            s["rr"] += 1 / rank if rank else 0.0
        if rank != 1:
            misses.append(Miss(id=item.id, lang=item.lang, question=item.question, gold=item.gold, got=got[:3]))
    langs = sorted(sums)
    return RetrievalReport(
        n={lang: int(sums[lang]["n"]) for lang in langs},
        recall_at_1={lang: round(sums[lang]["r1"] / sums[lang]["n"], 3) for lang in langs},
        recall_at_3={lang: round(sums[lang]["r3"] / sums[lang]["n"], 3) for lang in langs},
        mrr={lang: round(sums[lang]["rr"] / sums[lang]["n"], 3) for lang in langs},
        misses=misses,
    )


def format_report(name: str, report: RetrievalReport) -> str:
    lines = [f"{name}", f"{'lang':<5}{'n':>5}{'R@1':>8}{'R@3':>8}{'MRR':>8}"]
    for lang, n in report.n.items():
        lines.append(
            f"{lang:<5}{n:>5}{report.recall_at_1[lang]:>8.3f}{report.recall_at_3[lang]:>8.3f}{report.mrr[lang]:>8.3f}"
        )
    if report.misses:
        lines.append(f"misses at rank 1 ({len(report.misses)}):")
        for m in report.misses:
            lines.append(f"  {m.id} [{m.lang}] gold={','.join(m.gold)} got={','.join(m.got)}  {m.question}")
    return "\n".join(lines)


def report_json(report: RetrievalReport) -> str:
    return json.dumps(report.model_dump(), ensure_ascii=False, indent=2)


# --- Answers -------------------------------------------------------------------------------------


class KeyFact(BaseModel):
    en: list[str] = []
    zh: list[str] = []

    def found_in(self, text: str) -> bool:
        squeezed = re.sub(r"\s+", "", text).lower()
        return any(re.sub(r"\s+", "", v).lower() in squeezed for v in self.en + self.zh)


class AnswerItem(BaseModel):
    id: str
    lang: str
    category: str
    question: str
    history: list[dict] = []
    gold: list[str] = []
    key_facts: list[KeyFact] = []
    answerable: bool


class AnswerResult(BaseModel):
    id: str
    category: str
    lang: str
    expected_answerable: bool
    answerable: bool
    gold_cited: bool | None
    key_facts: float | None
    fabricated: list[str]
    cited: list[str]
    total_ms: float


class AnswerReport(BaseModel):
    n: int
    generator: str
    gold_cited: float
    key_facts: float
    refusal_accuracy: float
    false_refusal: float
    fabricated_answers: int
    latency_p50_ms: float
    by_lang: dict[str, dict[str, float]]
    failures: list[AnswerResult]


def load_answer_items(path: Path) -> list[AnswerItem]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [AnswerItem.model_validate_json(line) for line in lines if line.strip()]


def judge(item: AnswerItem, answer: Answer, texts: dict[str, list[str]]) -> AnswerResult:
    """Score one answer; `texts` holds each paragraph's texts, since facts may come from any part of a
    cited paragraph, not only its quoted span."""
    supported = [c for c in answer.citations if c.supported]
    cited = [c.paragraph for c in supported]
    sources = [t for c in supported for t in (c.quote, c.translation, *texts.get(c.paragraph, []))]
    fabricated = sorted(unsupported(strip_markers(answer.answer), sources)) if answer.answerable else []
    return AnswerResult(
        id=item.id,
        category=item.category,
        lang=item.lang,
        expected_answerable=item.answerable,
        answerable=answer.answerable,
        gold_cited=bool(set(cited) & set(item.gold)) if item.answerable else None,
        key_facts=(sum(k.found_in(answer.answer) for k in item.key_facts) / len(item.key_facts))
        if item.answerable and item.key_facts
        else None,
        fabricated=fabricated,
        cited=cited,
        total_ms=answer.timings.total_ms,
    )


def evaluate_answers(chain, items: list[AnswerItem], generator: str | None = None) -> AnswerReport:
    texts = {pid: list(by.values()) for (_, pid), by in chain.retriever.paragraph_texts().items()}
    results = []
    for item in items:
        answer = chain.invoke({"question": item.question, "history": item.history, "generator": generator})
        results.append(judge(item, answer, texts))
    return summarise(results, generator or chain.default_generator())


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 3) if values else 0.0


def summarise(results: list[AnswerResult], generator: str) -> AnswerReport:
    def metrics(rs: list[AnswerResult]) -> dict[str, float]:
        answerable = [r for r in rs if r.expected_answerable]
        unanswerable = [r for r in rs if not r.expected_answerable]
        return {
            "gold_cited": _mean([float(bool(r.gold_cited)) for r in answerable]),
            "key_facts": _mean([r.key_facts for r in answerable if r.key_facts is not None]),
            "refusal_accuracy": _mean([float(not r.answerable) for r in unanswerable]),
            "false_refusal": _mean([float(not r.answerable) for r in answerable]),
        }

    overall = metrics(results)
    times = sorted(r.total_ms for r in results)
    failures = [
        r
        for r in results
        if r.fabricated
        or r.answerable != r.expected_answerable
        or r.gold_cited is False
        or (r.key_facts is not None and r.key_facts < 1)
    ]
    return AnswerReport(
        n=len(results),
        generator=generator,
        fabricated_answers=sum(bool(r.fabricated) for r in results),
        latency_p50_ms=times[len(times) // 2] if times else 0.0,
        by_lang={lang: metrics([r for r in results if r.lang == lang]) for lang in sorted({r.lang for r in results})},
        failures=failures,
        **overall,
    )


def format_answer_report(name: str, report: AnswerReport, items: list[AnswerItem] | None = None) -> str:
    questions = {i.id: i.question for i in items or []}
    lines = [
        f"{name} ({report.n} questions, generator {report.generator})",
        f"gold paragraph cited {report.gold_cited:.3f}  key facts {report.key_facts:.3f}  "
        f"refusal accuracy {report.refusal_accuracy:.3f}  false refusals {report.false_refusal:.3f}  "
        f"answers with fabricated facts {report.fabricated_answers}  p50 {report.latency_p50_ms:.0f} ms",
    ]
    for lang, m in report.by_lang.items():
        lines.append(f"  {lang}: " + "  ".join(f"{k} {v:.3f}" for k, v in m.items()))
    for r in report.failures:
        lines.append(
            f"  {r.id} [{r.lang} {r.category}] answerable={r.answerable} expected={r.expected_answerable} "
            f"gold_cited={r.gold_cited} key_facts={r.key_facts} fabricated={r.fabricated} cited={r.cited}  "
            f"{questions.get(r.id, '')}"
        )
    return "\n".join(lines)
