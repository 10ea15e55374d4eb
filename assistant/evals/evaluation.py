"""The evaluation sets and their checks: retrieval (recall@1, recall@3 and MRR per language, and the
misses) and answers (the statement, gold cited, evidence facts, refusals, fabricated facts), as
`assistant eval-retrieval` and `assistant eval-answers` report them and the release suite (suite.py) builds on.

An item is a question with its acceptable targets ("gold"); a ranking scores when any gold
paragraph appears. The evaluation sets measure quality; nothing in the code looks at them."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, Field

from ..models import Answer, GeneratorName, Hit, Texts
from ..refs import Ref
from .figures import found, missing_figures, without_references


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


class Searcher(Protocol):
    """What the retrieval evaluation needs: the retriever, or a wrapper that times it."""

    def search(self, question: str, k: int | None = None) -> list[Hit]: ...


def evaluate_retrieval(retriever: Searcher, items: list[RetrievalItem], depth: int = 10) -> RetrievalReport:
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
    """One fact as its accepted variants in either language; also the form of a `wrong` value."""

    en: list[str] = []
    zh: list[str] = []

    def found_in(self, text: str) -> bool:
        return found(self.en + self.zh, text)


class AnswerItem(BaseModel):
    id: str
    lang: str
    category: str
    question: str
    history: list[dict] = []
    gold: list[str] = []
    key_facts: list[KeyFact] = []
    # Facts of the same type in the same evidence that the statement must not state (another meeting's date).
    wrong: list[KeyFact] = []
    answerable: bool


class AnswerResult(BaseModel):
    id: str
    category: str
    lang: str
    expected_answerable: bool
    answerable: bool
    gold_cited: bool | None
    # Share of the key facts found anywhere in the answer: its statement, quotes and their translations.
    evidence_facts: float | None = None
    # Answerable items: every key fact in the statement and no wrong value (False when refused).
    statement_correct: bool | None = None
    wrong_stated: list[str] = []  # the wrong values the statement states
    checks_wrong: bool = False  # the item carries wrong values, so a wrong statement can be seen
    statement_chars: int | None = None  # characters of the statement, markers aside (answered items)
    fabricated: list[str]
    cited: list[str]
    total_ms: float
    # ALCE citation scores (judge.py); None where no support judge scored the answer (`eval-answers`).
    citation_recall: float | None = None
    citation_precision: float | None = None


class AnswerReport(BaseModel):
    n: int
    generator: GeneratorName
    metrics: dict[str, float | None] = Field(description="metrics.answer_metrics over every answer.")
    fabricated_answers: int
    latency_p50_ms: float
    by_lang: dict[str, dict[str, float | None]]
    failures: list[AnswerResult]


def load_answer_items(path: Path) -> list[AnswerItem]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [AnswerItem.model_validate_json(line) for line in lines if line.strip()]


def statement(answer: Answer) -> str:
    """What the answer states: `Answer.answer` less its markers (they are shown as chips, not read)."""
    return " ".join(without_references(answer.answer).split())


def judge(item: AnswerItem, answer: Answer, texts: Texts) -> AnswerResult:
    """Score one answer; `texts` holds each paragraph's texts as the index has them, since facts may come
    from any part of a cited paragraph, not only its quoted span. The fabricated facts are read by the
    evaluation's own means (figures.py), never by the verifier's filter."""
    supported = [c for c in answer.citations if c.supported]
    cited = [c.paragraph for c in supported]
    paragraphs = [t for c in supported for t in texts.get(Ref.parse(c.paragraph), {}).values()]
    said = statement(answer) if answer.answerable else ""
    fabricated = missing_figures(said, paragraphs) if said else []
    evidence = " ".join([answer.answer, *(t for c in answer.citations for t in (c.quote, c.translation))])
    scored = item.answerable and bool(item.key_facts)
    wrong = [k.en[0] if k.en else k.zh[0] for k in item.wrong if k.found_in(said)] if said else []
    return AnswerResult(
        id=item.id,
        category=item.category,
        lang=item.lang,
        expected_answerable=item.answerable,
        answerable=answer.answerable,
        gold_cited=bool(set(cited) & set(item.gold)) if item.answerable else None,
        evidence_facts=(sum(k.found_in(evidence) for k in item.key_facts) / len(item.key_facts))
        if scored and answer.answerable
        else (0.0 if scored else None),
        statement_correct=(bool(said) and all(k.found_in(said) for k in item.key_facts) and not wrong)
        if scored
        else None,
        wrong_stated=wrong,
        checks_wrong=bool(item.wrong),
        statement_chars=len(said) if answer.answerable else None,
        fabricated=fabricated,
        cited=cited,
        total_ms=answer.timings.total_ms,
    )


def evaluate_answers(chain, items: list[AnswerItem], generator: GeneratorName | None = None) -> AnswerReport:
    texts = chain.retriever.texts_by_ref()
    results = []
    for item in items:
        answer = chain.invoke({"question": item.question, "history": item.history, "generator": generator})
        results.append(judge(item, answer, texts))
    return summarise(results, generator or chain.default_generator())


def _mean(values: list[float]) -> float | None:
    """None where a metric does not apply (no unanswerable question in a category, no answer)."""
    return round(sum(values) / len(values), 3) if values else None


def _quantile(values: list[int], q: float) -> float | None:
    """Nearest-rank quantile (a length that was observed), None with no answer."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(0, min(len(ordered) - 1, int(round(q * len(ordered) + 0.5)) - 1))])


def answer_metrics(results: Sequence[AnswerResult]) -> dict[str, float | None]:
    """The one definition of the answer metrics, for `eval-answers` and the release suite alike.

    wrong_fact_rate: of the answerable items that were answered (not refused) and carry wrong values,
    the share whose statement states one. Refusals are left out of the denominator, so refusing cannot
    dilute a confident wrong answer; items without wrong values are left out because no wrong statement
    could be seen in them (26 of 194 development items carry them: counting the others would let one
    wrong answer in six pass a 1 % bound). Statement lengths are per language of the question."""
    answerable = [r for r in results if r.expected_answerable]
    unanswerable = [r for r in results if not r.expected_answerable]
    answered = [r for r in results if r.answerable]
    checkable = [r for r in answerable if r.answerable and r.checks_wrong]
    out = {
        "statement_correct": _mean([float(r.statement_correct) for r in answerable if r.statement_correct is not None]),
        "wrong_fact_rate": _mean([float(bool(r.wrong_stated)) for r in checkable]),
        "citation_recall": _mean([r.citation_recall for r in answered if r.citation_recall is not None]),
        "citation_precision": _mean([r.citation_precision for r in answered if r.citation_precision is not None]),
        "evidence_fact_recall": _mean([r.evidence_facts for r in answerable if r.evidence_facts is not None]),
        "gold_cited": _mean([float(bool(r.gold_cited)) for r in answerable]),
        "refusal_accuracy": _mean([float(not r.answerable) for r in unanswerable]),
        "false_refusal": _mean([float(not r.answerable) for r in answerable]),
        "fabricated_rate": _mean([float(bool(r.fabricated)) for r in answered]),
    }
    for lang in ("en", "zh"):
        chars = [r.statement_chars for r in answered if r.lang == lang and r.statement_chars is not None]
        out[f"statement_chars_p50_{lang}"] = _quantile(chars, 0.5)
        out[f"statement_chars_p90_{lang}"] = _quantile(chars, 0.9)
    return out


def is_failure(r: AnswerResult) -> bool:
    """An answer that missed any check: a fabricated fact, a wrong refusal, the gold paragraph not cited, a
    statement not correct, a key fact missing from the evidence, or (where the judge scored it) a claim
    unsupported or a citation irrelevant."""
    return bool(
        r.fabricated
        or r.answerable != r.expected_answerable
        or r.gold_cited is False
        or r.statement_correct is False
        or (r.evidence_facts is not None and r.evidence_facts < 1)
        or (r.citation_recall is not None and r.citation_recall < 1)
        or (r.citation_precision is not None and r.citation_precision < 1)
    )


def summarise(results: list[AnswerResult], generator: GeneratorName) -> AnswerReport:
    times = sorted(r.total_ms for r in results)
    langs = sorted({r.lang for r in results})
    return AnswerReport(
        n=len(results),
        generator=generator,
        metrics=answer_metrics(results),
        fabricated_answers=sum(bool(r.fabricated) for r in results),
        latency_p50_ms=times[len(times) // 2] if times else 0.0,
        by_lang={lang: answer_metrics([r for r in results if r.lang == lang]) for lang in langs},
        failures=[r for r in results if is_failure(r)],
    )


def _figure(value: float | None) -> str:
    """A metric as printed: three decimals, or n/a where it does not apply (no such question)."""
    return "n/a" if value is None else f"{value:.3f}"


def format_answer_report(name: str, report: AnswerReport, items: list[AnswerItem] | None = None) -> str:
    questions = {i.id: i.question for i in items or []}
    m = report.metrics
    lines = [
        f"{name} ({report.n} questions, generator {report.generator})",
        f"statement correct {_figure(m['statement_correct'])}  wrong-fact answers {_figure(m['wrong_fact_rate'])}  "
        f"gold paragraph cited {_figure(m['gold_cited'])}  evidence facts {_figure(m['evidence_fact_recall'])}  "
        f"refusal accuracy {_figure(m['refusal_accuracy'])}  false refusals {_figure(m['false_refusal'])}  "
        f"answers with fabricated facts {report.fabricated_answers}  p50 {report.latency_p50_ms:.0f} ms",
    ]
    for lang, by in report.by_lang.items():
        lines.append(f"  {lang}: " + "  ".join(f"{k} {_figure(v)}" for k, v in by.items() if v is not None))
    for r in report.failures:
        lines.append(
            f"  {r.id} [{r.lang} {r.category}] answerable={r.answerable} expected={r.expected_answerable} "
            f"gold_cited={r.gold_cited} statement_correct={r.statement_correct} wrong={r.wrong_stated} "
            f"evidence_facts={r.evidence_facts} fabricated={r.fabricated} cited={r.cited}  "
            f"{questions.get(r.id, '')}"
        )
    return "\n".join(lines)
