"""The release evaluation suite: one run measures retrieval and answers, applies the gate of
evals/thresholds.toml and compares with the previous report.

Profiles: `fast` (retrieval + the extractive generator; CI runs it on every change) and `full`
(also the default generator, the local model when installed: the release gate). Sets: `dev`
(evals/retrieval.jsonl, evals/answers.jsonl) and `heldout` (the *_heldout files). A held-out set is
only ever reported in aggregate: no question, miss or answer of it leaves this module.

Each profile measures twice: on the normal index and on the unaided one (`aids="none"`: no
knowledge/expansions.yaml, the generic scope notes only, as a document nobody annotated is indexed; issue 19).
The second run is `SuiteReport.unaided`, its metric keys and threshold scopes start with `unaided.`, and it
costs the fast profile about as long as the first (a minute on 2 cores)."""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
import time
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from ..chain import AnswerChain, build_chain
from ..embeddings import E5Embeddings
from ..errors import UserError
from ..indexing import ingest, open_retriever
from ..models import Answer, GeneratorName, Texts, Timings
from ..settings import Settings
from .evaluation import (
    AnswerItem,
    AnswerResult,
    Miss,
    answer_metrics,
    evaluate_retrieval,
    is_failure,
    judge,
    load_answer_items,
    load_items,
)
from .judge import Calibration, SupportJudge, citation_score

# "default": the chain's default generator (the local model when installed).
PROFILES: dict[str, list[GeneratorName | Literal["default"]]] = {
    "fast": ["extractive"],
    "full": ["extractive", "default"],
}
SETS = {"dev": ("retrieval.jsonl", "answers.jsonl"), "heldout": ("retrieval_heldout.jsonl", "answers_heldout.jsonl")}
LOWER_IS_BETTER = ("false_refusal", "fabricated_rate", "wrong_fact_rate")  # rates: a rise is a regression
LENGTHS = "statement_chars_"  # statement lengths: lower is better, compared by ratio
# Metrics a previous report may hold under an older name: the comparison reads them under the new one.
RENAMED = {"key_fact_recall": "evidence_fact_recall"}
STAGES = ("retrieve", "generate", "verify", "total")
# Bound tables: `min`/`max` hold the Bar (and guards of metrics without one); `guard_min`/`guard_max` hold
# regression guards of metrics whose Bar is not yet met, so CI can enforce the guard while the Bar waits.
BOUNDS = ("min", "max", "guard_min", "guard_max")
MINIMA = ("min", "guard_min")
# The run on the unaided index: its metric keys are `unaided.<scope>/<set>/<metric>`, its threshold tables
# `[unaided.<scope>.<bound>]`, apart from the normal run's.
UNAIDED = "unaided"


class Stat(BaseModel):
    p50: float
    p95: float


class RetrievalSummary(BaseModel):
    n: int
    metrics: dict[str, float]
    by_lang: dict[str, dict[str, float]]
    latency_ms: Stat
    misses: list[Miss]


class ItemResult(AnswerResult):
    """One answer as the suite scores it: the evaluation's checks, its ALCE citation scores filled in."""

    unsupported: list[str] = []  # paragraphs cited for a claim they do not support
    irrelevant: list[str] = []
    timings: Timings = Timings()
    produced_by: str = ""


class AnswerSummary(BaseModel):
    n: int
    metrics: dict[str, float | None]
    by_lang: dict[str, dict[str, float | None]]
    by_category: dict[str, dict[str, float | None]]
    latency_ms: dict[str, Stat]
    totals_ms: list[float]
    fallbacks: int = 0  # answers another generator wrote because this one failed
    failures: list[ItemResult]


class GateCheck(BaseModel):
    key: str
    bound: str
    threshold: float
    value: float
    passed: bool
    enforced_in_ci: bool


class Change(BaseModel):
    key: str
    previous: float
    current: float
    regression: bool


class Run(BaseModel):
    """What one index gave: retrieval per set, answers per generator and set."""

    retrieval: dict[str, RetrievalSummary] = {}
    answers: dict[str, dict[str, AnswerSummary]] = {}


class SuiteReport(BaseModel):
    name: str
    created: str
    commit: str
    machine: str
    profile: str
    generators: list[GeneratorName]
    models: dict[str, str | None]
    sets: list[str]
    sample: int = 1  # every n-th question of each answer set was asked (1: all)
    judge: Calibration
    retrieval: dict[str, RetrievalSummary]
    answers: dict[str, dict[str, AnswerSummary]]
    misses_by_paragraph: dict[str, dict[str, int]]
    unaided: Run | None = None  # the same metrics on the unaided index; None: not run (reports before issue 19)
    gate: list[GateCheck] = []
    passed: bool = True
    passed_ci: bool = True
    previous: str | None = None
    changes: list[Change] = []
    seconds: float = 0.0


class Thresholds(BaseModel):
    """evals/thresholds.toml: `<scope>.<min|max>.<metric>` bounds, the keys CI enforces, and the
    tolerances that make a change against the previous report a regression."""

    bounds: dict[str, dict[str, dict[str, float]]]
    enforced_in_ci: list[str]
    tolerance: float = 0.01
    latency_ratio: float = 1.5
    length_ratio: float = 1.1


def load_thresholds(path: Path) -> Thresholds:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    compare = raw.pop("compare", {})
    enforced = raw.pop("enforced_in_ci", [])
    unaided = {f"{UNAIDED}.{scope}": bounds for scope, bounds in raw.pop(UNAIDED, {}).items()}
    data = raw | unaided
    known = {
        f"{scope}.{bound}.{metric}" for scope, bounds in data.items() for bound, ms in bounds.items() for metric in ms
    }
    if odd := sorted({b for bounds in data.values() for b in bounds} - set(BOUNDS)):
        raise UserError(f"{path.name}: unknown bound tables ({', '.join(odd)}): use {', '.join(BOUNDS)}.")
    if unknown := sorted(set(enforced) - known):
        raise UserError(
            f"{path.name}: enforced_in_ci names checks that have no threshold ({', '.join(unknown)}): fix it."
        )
    return Thresholds(bounds=data, enforced_in_ci=enforced, **compare)


# --- measuring ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the value below which q of the values lie; no interpolation, so
    it is always a latency that was observed."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(q * len(ordered) + 0.5)) - 1))]


def stat(values: list[float]) -> Stat:
    return Stat(p50=round(percentile(values, 0.5), 1), p95=round(percentile(values, 0.95), 1))


class TimedSearch:
    """The retriever as evaluate_retrieval uses it, timing each search."""

    def __init__(self, retriever) -> None:
        self.retriever = retriever
        self.times: list[float] = []

    def search(self, question: str, k: int | None = None):
        t0 = time.perf_counter()
        hits = self.retriever.search(question, k)
        self.times.append((time.perf_counter() - t0) * 1000)
        return hits


def run_retrieval(retriever, path: Path, heldout: bool) -> RetrievalSummary:
    timed = TimedSearch(retriever)
    report = evaluate_retrieval(timed, load_items(path))
    metrics = {"recall_at_1": report.recall_at_1, "recall_at_3": report.recall_at_3, "mrr": report.mrr}
    return RetrievalSummary(
        n=report.n["all"],
        metrics={m: by["all"] for m, by in metrics.items()},
        by_lang={lang: {m: by[lang] for m, by in metrics.items()} for lang in report.n if lang != "all"},
        latency_ms=stat(timed.times),
        misses=[] if heldout else report.misses,
    )


def score_answer(item: AnswerItem, answer: Answer, texts: Texts, support: SupportJudge) -> ItemResult:
    base = judge(item, answer, texts)
    result = ItemResult(**base.model_dump(), timings=answer.timings, produced_by=answer.generator)
    if answer.answerable and (score := citation_score(support, answer.answer)):
        result.citation_recall = score.recall
        result.citation_precision = score.precision
        result.unsupported = sorted({p for c in score.claims if not c.supported for p in c.cited})
        result.irrelevant = sorted({p for c in score.claims for p in c.irrelevant})
    return result


def summarise_answers(results: list[ItemResult], generator: GeneratorName, heldout: bool) -> AnswerSummary:
    def group(key) -> dict[str, dict[str, float | None]]:
        keys = sorted({key(r) for r in results})
        return {k: answer_metrics([r for r in results if key(r) == k]) for k in keys}

    return AnswerSummary(
        n=len(results),
        metrics=answer_metrics(results),
        by_lang=group(lambda r: r.lang),
        by_category=group(lambda r: r.category),
        latency_ms={s: stat([getattr(r.timings, f"{s}_ms") for r in results]) for s in STAGES},
        totals_ms=[r.timings.total_ms for r in results],
        fallbacks=sum(r.produced_by != generator and r.answerable for r in results),
        failures=[] if heldout else [r for r in results if is_failure(r)],
    )


def misses_by_paragraph(report: SuiteReport, results: dict[str, list[ItemResult]], items: list[AnswerItem]) -> None:
    """Counts per paragraph of what went wrong on the development set: the heat map's cells."""
    gold = {i.id: i.gold for i in items}
    cells: dict[str, Counter] = defaultdict(Counter)
    if "dev" in report.retrieval:
        for miss in report.retrieval["dev"].misses:
            for pid in miss.gold:
                cells[pid]["retrieval miss@1"] += 1
    for generator, rs in results.items():
        for r in rs:
            if r.expected_answerable and not r.gold_cited:
                for pid in gold.get(r.id, []):
                    cells[pid][f"{generator}: gold not cited"] += 1
            if r.evidence_facts is not None and r.evidence_facts < 1:
                for pid in gold.get(r.id, []):
                    cells[pid][f"{generator}: key fact missed"] += 1
            if r.statement_correct is False and r.answerable:
                for pid in gold.get(r.id, []):
                    cells[pid][f"{generator}: statement not correct"] += 1
            for pid in r.unsupported:
                cells[pid][f"{generator}: unsupported claim"] += 1
    report.misses_by_paragraph = {pid: dict(c) for pid, c in sorted(cells.items())}


# --- the gate and the comparison ------------------------------------------------------------------


def flat_metrics(report: SuiteReport) -> dict[str, float]:
    """Every gated or compared number under one key: `<scope>/<set>/<metric>`, the unaided run's under
    `unaided.<scope>/<set>/<metric>`."""
    out = run_metrics(Run(retrieval=report.retrieval, answers=report.answers))
    if report.unaided is not None:
        out |= run_metrics(report.unaided, f"{UNAIDED}.")
    return out


def run_metrics(run: Run, prefix: str = "") -> dict[str, float]:
    """One run's numbers. Retrieval is keyed per language too (`recall_at_1_en`), the form the unaided Bar
    takes (each language on its own: without the aids development recall@1 fell 0.88 -> 0.72 in English and
    0.90 -> 0.71 in Chinese)."""
    out: dict[str, float] = {}
    for name, r in run.retrieval.items():
        out |= {f"{prefix}retrieval/{name}/{m}": v for m, v in r.metrics.items()}
        out |= {f"{prefix}retrieval/{name}/{m}_{lang}": v for lang, ms in r.by_lang.items() for m, v in ms.items()}
        out[f"{prefix}retrieval/{name}/p95_ms"] = r.latency_ms.p95
    for generator, by_set in run.answers.items():
        for name, a in by_set.items():
            scope = f"{prefix}{generator}/{name}"
            out |= {f"{scope}/{RENAMED.get(m, m)}": v for m, v in a.metrics.items() if v is not None}
            out[f"{scope}/total_p95_ms"] = a.latency_ms["total"].p95
    return out


def apply_gate(report: SuiteReport, thresholds: Thresholds) -> None:
    values = flat_metrics(report)
    checks: list[GateCheck] = []
    for scope, bounds in thresholds.bounds.items():
        for bound, metrics in bounds.items():
            for metric, threshold in metrics.items():
                for key in sorted(k for k in values if k.startswith(f"{scope}/") and k.endswith(f"/{metric}")):
                    value = values[key]
                    passed = value >= threshold if bound in MINIMA else value <= threshold
                    checks.append(
                        GateCheck(
                            key=key,
                            bound=bound,
                            threshold=threshold,
                            value=value,
                            passed=passed,
                            enforced_in_ci=f"{scope}.{bound}.{metric}" in thresholds.enforced_in_ci,
                        )
                    )
    report.gate = checks
    report.passed = all(c.passed for c in checks)
    report.passed_ci = all(c.passed for c in checks if c.enforced_in_ci)


def compare(report: SuiteReport, previous: SuiteReport, thresholds: Thresholds) -> None:
    """Changes against the previous report; a quality drop beyond the tolerance, or a p95 latency
    grown by more than the ratio, is a regression."""
    now, before = flat_metrics(report), flat_metrics(previous)
    changes = []
    for key in sorted(set(now) & set(before)):
        a, b = before[key], now[key]
        if a == b:
            continue
        metric = key.rsplit("/", 1)[1]
        if key.endswith("_ms"):
            regression = b > a * thresholds.latency_ratio and b - a > 10
        elif metric.startswith(LENGTHS):
            regression = b > a * thresholds.length_ratio
        elif metric in LOWER_IS_BETTER:
            regression = b - a > thresholds.tolerance or (a == 0 < b)
        else:
            regression = a - b > thresholds.tolerance
        changes.append(Change(key=key, previous=a, current=b, regression=regression))
    report.previous = previous.name
    report.changes = changes


def previous_report(out_dir: Path, profile: str, exclude: str) -> SuiteReport | None:
    """The latest report of the same profile in out_dir, else the latest of any profile."""
    paths = sorted(p for p in out_dir.glob("*.json") if p.stem != exclude)
    same = [p for p in paths if p.stem.endswith(f"-{profile}")]
    for path in reversed(same or paths):
        try:
            return SuiteReport.model_validate_json(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
    return None


# --- the run ---------------------------------------------------------------------------------------


def _commit(root: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty"], capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


@dataclass(frozen=True)
class Plan:
    """What one run measures: the sets, the generators, the sampling; `label` prefixes its progress."""

    evals_dir: Path
    generators: list[GeneratorName]
    sets: list[str]
    sample: int = 1
    progress: Callable[[str], None] | None = None
    label: str = ""


Scored = tuple[AnswerItem, Answer, ItemResult]


def measure(
    chain, support: SupportJudge, plan: Plan, models: dict[str, str | None]
) -> tuple[Run, dict[str, list[Scored]]]:
    """Retrieval and answers on one index; returns the run and, per generator, the development set's
    items with their answers and scores. The models that answered are recorded in `models`."""
    texts = chain.retriever.texts_by_ref()
    run = Run()
    for set_name in plan.sets:
        path = plan.evals_dir / SETS[set_name][0]
        _say(plan.progress, f"{plan.label}retrieval on {path.name}")
        run.retrieval[set_name] = run_retrieval(chain.retriever, path, heldout=set_name != "dev")
    dev: dict[str, list[Scored]] = {}
    for generator in plan.generators:
        run.answers[generator] = {}
        for set_name in plan.sets:
            items = load_answer_items(plan.evals_dir / SETS[set_name][1])[:: plan.sample]
            scored: list[Scored] = []
            for n, item in enumerate(items, 1):
                if n % 20 == 0:
                    _say(plan.progress, f"{plan.label}{generator} on {SETS[set_name][1]}: {n}/{len(items)}")
                answer = chain.invoke({"question": item.question, "history": item.history, "generator": generator})
                if answer.generator == generator and answer.model:
                    models[generator] = answer.model
                scored.append((item, answer, score_answer(item, answer, texts, support)))
            results = [result for _, _, result in scored]
            run.answers[generator][set_name] = summarise_answers(results, generator, heldout=set_name != "dev")
            if set_name == "dev":
                dev[generator] = scored
    return run, dev


def unaided_chain(settings: Settings, embedder: E5Embeddings, on_wait=None) -> AnswerChain:
    """A chain on the unaided index (`aids="none"`), built or brought up to date first in its own
    collection. Its chunks are the normal index's text chunks, whose embeddings the cache holds, so this
    writes a collection and embeds nothing new."""
    settings = settings.model_copy(update={"aids": "none"})
    ingest(settings, embedder=embedder, on_wait=on_wait)
    return build_chain(settings, open_retriever(settings, embedder=embedder))


def run_suite(
    chain,
    support: SupportJudge,
    calibration: Calibration,
    evals_dir: Path,
    profile: str = "fast",
    generators: list[GeneratorName] | None = None,
    sets: list[str] | None = None,
    name: str | None = None,
    progress=None,
    sample: int = 1,
    unaided=None,
) -> tuple[SuiteReport, dict[str, dict[str, list[tuple[AnswerItem, Answer]]]]]:
    """Run the suite; returns the report and, for the development set, each item with its answer
    (for the RAGAS export). The gate and the comparison are applied by the caller. `sample` asks only
    every n-th question of the answer sets: a quicker look at a slow generator, not a release run.
    `unaided`, a chain on the unaided index (`unaided_chain`), measures every metric a second time."""
    started = time.perf_counter()
    chosen = PROFILES[profile] if generators is None else generators
    generators = list(dict.fromkeys(chain.default_generator() if g == "default" else g for g in chosen))
    sets = sets or list(SETS)
    report = SuiteReport(
        name=name or f"{dt.datetime.now():%Y%m%d-%H%M%S}-{profile}",
        created=dt.datetime.now().isoformat(timespec="seconds"),
        commit=_commit(evals_dir.parent),
        machine=_machine(),
        profile=profile,
        generators=generators,
        models={},
        sets=sets,
        sample=sample,
        judge=calibration.model_copy(update={"errors": []}),
        retrieval={},
        answers={},
        misses_by_paragraph={},
    )
    plan = Plan(evals_dir=evals_dir, generators=generators, sets=sets, sample=sample, progress=progress)
    aided, dev = measure(chain, support, plan, report.models)
    report.retrieval, report.answers = aided.retrieval, aided.answers
    items = [item for rows in dev.values() for item, _, _ in rows]
    misses_by_paragraph(report, {g: [result for _, _, result in rows] for g, rows in dev.items()}, items)
    if unaided is not None:
        report.unaided, _ = measure(unaided, support, replace(plan, label=f"{UNAIDED}: "), report.models)
    report.seconds = round(time.perf_counter() - started, 1)
    answered = {g: {"dev": [(item, answer) for item, answer, _ in rows]} for g, rows in dev.items()}
    return report, answered


def _say(progress, message: str) -> None:
    if progress:
        progress(message)
