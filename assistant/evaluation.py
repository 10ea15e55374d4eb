"""Retrieval evaluation: recall@1, recall@3 and MRR per language, and the misses.

An item is a question with its acceptable targets ("gold"); a ranking scores when any gold
paragraph appears. The evaluation sets measure quality; nothing in the code looks at them."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel

from .retrieval import HybridRetriever


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


def evaluate_retrieval(
    retriever: HybridRetriever, items: list[RetrievalItem], depth: int = 10
) -> RetrievalReport:
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
            misses.append(
                Miss(id=item.id, lang=item.lang, question=item.question, gold=item.gold, got=got[:3])
            )
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
