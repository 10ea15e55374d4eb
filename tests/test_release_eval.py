"""The release evaluation suite: its support judge, the fast profile as CI runs it, and planted
regressions that the gate must catch."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from helpers import run_cli

from assistant import verification
from assistant.chain import AnswerChain
from assistant.evals.evaluation import load_answer_items
from assistant.evals.judge import SupportJudge, calibrate, citation_score, load_calibration, load_pairs
from assistant.evals.suite import SuiteReport, apply_gate, compare, load_thresholds, previous_report, run_suite
from assistant.generation import ExtractiveGenerator
from assistant.names import names
from assistant.refs import Ref
from assistant.retrieval import HybridRetriever
from assistant.statement import sentence
from assistant.text import clauses
from assistant.verification import markers

pytestmark = pytest.mark.eval

ROOT = Path(__file__).resolve().parent.parent
EVALS = ROOT / "evals"


@pytest.fixture(scope="module")
def texts(retriever):
    return retriever.texts_by_ref()


@pytest.fixture(scope="module")
def support(embedder, texts):
    return SupportJudge(embedder, texts, load_calibration(EVALS).threshold)


def test_answer_set_covers_what_a_release_must_be_checked_on(texts):
    items = load_answer_items(EVALS / "answers.jsonl")
    assert len(items) >= 150 and len({i.id for i in items}) == len(items)
    categories = Counter(i.category for i in items)
    expected = {"answerable", "multi", "cited-document", "unanswerable", "false-premise", "injection", "follow-up"}
    expected |= {"ordinal", "same_type"}  # issue 18: statements among same-type facts
    assert set(categories) == expected
    langs = Counter(i.lang for i in items)
    # balanced, but for a development item removed because the held-out set asks it too (a124, issue 18)
    assert abs(langs["zh"] - langs["en"]) <= 1
    answerable = [i for i in items if i.answerable]
    assert all(i.gold and set(i.gold) <= {ref.key for ref in texts} and i.key_facts for i in answerable)
    assert all(k.en and k.zh for i in items for k in i.key_facts)  # accepted variants in both languages
    gold = Counter(g for i in answerable for g in i.gold)
    assert all(gold[r.key] >= 2 for r in texts if not r.key.startswith(("CAT:", "SCOPE:")))
    assert all(i.history for i in items if i.category == "follow-up")


def test_labelled_pairs_are_many_balanced_and_cite_real_paragraphs(texts):
    pairs = load_pairs(EVALS / "support_pairs.jsonl")
    assert len(pairs) >= 100 and len({p.id for p in pairs}) == len(pairs)
    labels, langs, kinds = (
        Counter(p.supported for p in pairs),
        Counter(p.lang for p in pairs),
        Counter(p.kind for p in pairs),
    )
    assert min(labels.values()) >= 40 and min(langs.values()) >= 30
    assert kinds["neighbour"] >= 10 and kinds["wrong-date"] >= 5  # the hard negatives
    assert {p.paragraph for p in pairs} <= {ref.key for ref in texts}


def test_committed_calibration_is_what_the_pairs_give(support):
    """Changing the pairs, the judge or the embedder without re-running `assistant eval-judge` fails here."""
    committed = load_calibration(EVALS)
    fresh = calibrate(support, load_pairs(EVALS / "support_pairs.jsonl"))
    assert fresh.threshold == pytest.approx(committed.threshold, abs=1e-3)
    assert fresh.accuracy == pytest.approx(committed.accuracy, abs=0.01)
    assert fresh.accuracy >= 0.85


def test_judge_catches_wrong_place_date_and_neighbour_but_accepts_a_quote(support, texts):
    assert not support.supports("The organizational session will be held in Geneva in August 2020.", ["OP3"])
    assert (
        "september"
        in support.check("The organizational session will be held in New York in September 2020.", ["OP3"]).missing
    )
    assert not support.supports("The ad hoc committee will hold a three-day organizational session.", ["OP2"])
    assert support.supports("The organizational session will be held in New York in August 2020.", ["OP3"])
    assert (
        support.check(texts[Ref.parse("OP5")]["zh"], ["OP5"]).similarity == 1.0
    )  # a verbatim quote needs no similarity
    assert ("China", "中国") not in names("发展中国家积极参与")  # "developing countries" contains 中国


def test_alce_recall_and_precision_of_an_answer(support):
    both = citation_score(support, "The organizational session will be held in New York in August 2020 [OP3, PP17].")
    assert both.recall == 1.0 and both.precision == 0.5 and both.claims[0].irrelevant == ["PP17"]
    wrong = citation_score(support, "The organizational session will be held in New York in August 2020 [PP17].")
    assert wrong.recall == 0.0 and wrong.precision == 0.0
    uncited = citation_score(support, "Donors are invited to pay. The session is in New York in August 2020 [OP3].")
    assert uncited.recall == 0.0  # one claim: the marker covers both sentences, and OP3 says nothing of donors


def test_fast_profile_writes_reports_and_exits_by_the_gate(built, tmp_path):
    """What CI runs on every change: retrieval and the extractive generator on the dev and held-out sets, on the
    normal index and on the unaided one, which the run builds itself."""
    out = tmp_path / "reports"
    result = run_cli("eval", "--profile", "fast", "--out", str(out), data_dir=built.data_dir, timeout=1800)
    assert "Error" not in result.stderr, result.stderr
    [path] = out.glob("*-fast.json")
    report = SuiteReport.model_validate_json(path.read_text(encoding="utf-8"))
    assert result.returncode == (0 if report.passed else 1), result.stdout
    failing = [c.key for c in report.gate if not c.passed]
    assert all(c.passed for c in report.gate if c.enforced_in_ci), failing
    assert set(report.retrieval) == {"dev", "heldout"} and set(report.answers["extractive"]) == {"dev", "heldout"}
    for key in ("retrieve", "generate", "verify", "total"):
        assert (
            report.answers["extractive"]["dev"].latency_ms[key].p95
            >= report.answers["extractive"]["dev"].latency_ms[key].p50
        )
    # Held-out sets are reported in aggregate only.
    assert not report.retrieval["heldout"].misses and not report.answers["extractive"]["heldout"].failures
    unaided = report.unaided
    assert unaided is not None and set(unaided.retrieval) == set(unaided.answers["extractive"]) == {"dev", "heldout"}
    assert not unaided.retrieval["heldout"].misses and not unaided.answers["extractive"]["heldout"].failures
    assert any(c.key == "unaided.retrieval/heldout/recall_at_1_en" and not c.enforced_in_ci for c in report.gate)
    page = (out / f"{report.name}.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 4 and "src=" not in page and "<script" not in page and "<link" not in page
    md = (out / f"{report.name}.md").read_text(encoding="utf-8")
    assert "| retrieval/dev/recall_at_1 |" in md and "| heldout | all | unaided |" in md
    rows = [json.loads(line) for line in (out / f"{report.name}-ragas.jsonl").read_text(encoding="utf-8").splitlines()]
    dev_ids = {json.loads(line)["id"] for line in (EVALS / "answers.jsonl").read_text(encoding="utf-8").splitlines()}
    assert {r["id"] for r in rows} == dev_ids
    assert all(
        {"user_input", "response", "retrieved_contexts", "reference", "reference_contexts"} <= set(r) for r in rows
    )


class NeighbourCiting(ExtractiveGenerator):
    """A planted bug: cites the next paragraph retrieved beside the right one. (Citing the neighbour
    instead is repaired by the verifier, which moves a citation to the paragraph holding the sentence;
    citing it beside the right one is repaired too, unless the verifier's pruning is broken as well.)"""

    def draft(self, question, lang, hits):
        text = super().draft(question, lang, hits)
        ids = [h.paragraph for h in hits]
        for pid in markers(text):
            if pid in ids:
                text = text.replace(f"[{pid}]", f"[{pid}, {ids[(ids.index(pid) + 1) % len(ids)]}]")
        return text


class NeighbourFact(ExtractiveGenerator):
    """A planted bug: states the clause beside the one that answers, from the same paragraph (another
    meeting's date, another resolution of the list). Each of its facts is in the paragraph it cites, so the
    verifier keeps it; only what the statement states is wrong."""

    def statement(self, question, lang, asked, hit, whole=True):
        said = super().statement(question, lang, asked, hit, whole)
        text_lang = lang if hit.text.get(lang) else "zh"
        text = (hit.text.get(text_lang) or hit.text.get("en", "")).replace("\n", " ")
        parts = [c.strip().rstrip(" ,;:.，；。：") for c in clauses(text, text_lang)]
        if len(parts) < 2:
            return said
        at = next((i for i, c in enumerate(parts) if c and c in said), 0)
        return sentence(parts[at + 1] if at + 1 < len(parts) else parts[at - 1], text_lang, hit.paragraph)


class ParagraphPadding(ExtractiveGenerator):
    """A planted bug: after its answer, the whole best paragraph once more. All of it is a verbatim quote
    of a cited paragraph, so the verifier keeps it; the statement is only longer."""

    def draft(self, question, lang, hits):
        text = super().draft(question, lang, hits)
        if not hits:
            return text
        best = hits[0]
        whole = (best.text.get(lang) or best.text.get("zh", "")).replace("\n", " ")
        return f"{text}\n- {whole} [{best.paragraph}]"


class ShuffledRetriever(HybridRetriever):
    """A planted bug: the right paragraphs in a random order."""

    def retrieve(self, question, k=None):
        hits, note = super().retrieve(question, k)
        random.Random(question).shuffle(hits)
        return hits, note


def _committed_fast_report() -> SuiteReport:
    report = previous_report(EVALS / "reports", "fast", exclude="")
    assert report is not None, "a fast report must be committed in evals/reports/"
    return report


def test_gate_fails_a_generator_that_also_cites_the_neighbouring_paragraph(built, retriever, support, monkeypatch):
    monkeypatch.setattr(verification, "_needed", lambda claim, cited: cited)  # the verifier keeps every citation
    chain = AnswerChain(built.model_copy(update={"generator": "extractive"}), retriever)
    chain.extractive = NeighbourCiting()
    report, _ = run_suite(chain, support, load_calibration(EVALS), EVALS, "fast", ["extractive"], ["dev"])
    apply_gate(report, load_thresholds(EVALS / "thresholds.toml"))
    compare(report, _committed_fast_report(), load_thresholds(EVALS / "thresholds.toml"))
    failed = {c.key for c in report.gate if not c.passed}
    assert "extractive/dev/citation_precision" in failed
    assert not report.passed
    regressions = {c.key for c in report.changes if c.regression}
    assert "extractive/dev/citation_precision" in regressions


def _run_with(built, retriever, support, generator: ExtractiveGenerator) -> SuiteReport:
    """The fast profile on the development set with a planted generator; the verifier left as it is."""
    chain = AnswerChain(built.model_copy(update={"generator": "extractive"}), retriever)
    chain.extractive = generator
    report, _ = run_suite(chain, support, load_calibration(EVALS), EVALS, "fast", ["extractive"], ["dev"])
    thresholds = load_thresholds(EVALS / "thresholds.toml")
    apply_gate(report, thresholds)
    compare(report, _committed_fast_report(), thresholds)
    return report


def test_gate_fails_a_generator_that_states_the_neighbouring_fact(built, retriever, support):
    report = _run_with(built, retriever, support, NeighbourFact())
    failed = {c.key for c in report.gate if not c.passed and c.enforced_in_ci}
    assert "extractive/dev/statement_correct" in failed, failed
    assert not report.passed_ci
    regressions = {c.key for c in report.changes if c.regression}
    assert "extractive/dev/statement_correct" in regressions


def test_gate_fails_a_generator_that_pads_with_whole_paragraphs(built, retriever, support):
    report = _run_with(built, retriever, support, ParagraphPadding())
    failed = {c.key for c in report.gate if not c.passed and c.enforced_in_ci}
    assert {"extractive/dev/statement_chars_p50_en", "extractive/dev/statement_chars_p50_zh"} <= failed, failed
    assert not report.passed_ci
    regressions = {c.key for c in report.changes if c.regression}
    assert "extractive/dev/statement_chars_p50_en" in regressions


def test_gate_fails_a_retriever_that_shuffles_its_hits(built, retriever, support):
    shuffled = ShuffledRetriever(settings=built, store=retriever.store, embedder=retriever.embedder, k=built.k).load()
    chain = AnswerChain(built, shuffled)
    report, _ = run_suite(chain, support, load_calibration(EVALS), EVALS, "fast", [], ["dev"])
    apply_gate(report, load_thresholds(EVALS / "thresholds.toml"))
    failed = [c for c in report.gate if not c.passed]
    assert any(c.key == "retrieval/dev/recall_at_1" and c.enforced_in_ci for c in failed)
    assert not report.passed and not report.passed_ci


def test_eval_answers_and_the_suite_report_the_same_figures_and_failures():
    """One metrics path: the older `eval-answers` summary and the release suite's give the same numbers and
    the same failures for the same answers; a metric with no question to apply to is n/a, not 0."""
    from assistant.evals.evaluation import format_answer_report, summarise
    from assistant.evals.suite import ItemResult, summarise_answers

    def result(id: str, lang: str, expected: bool, answered: bool, **kw) -> ItemResult:
        base = {"gold_cited": None, "evidence_facts": None, "fabricated": [], "cited": [], "total_ms": 5.0}
        return ItemResult(
            id=id, category="c", lang=lang, expected_answerable=expected, answerable=answered, **(base | kw)
        )

    results = [
        result("a", "en", True, True, gold_cited=True, evidence_facts=1.0, citation_recall=1.0, citation_precision=1.0),
        result("b", "en", True, True, gold_cited=True, evidence_facts=0.5, citation_recall=1.0, citation_precision=1.0),
        result("c", "zh", True, True, gold_cited=True, evidence_facts=1.0, citation_recall=1.0, citation_precision=0.5),
        result("d", "zh", False, True, fabricated=["2031"]),
        result("e", "zh", False, False),
    ]
    older = summarise(results, "extractive")
    suite = summarise_answers(results, "extractive", heldout=False)
    assert older.metrics == suite.metrics and older.by_lang == suite.by_lang
    assert [r.id for r in older.failures] == [r.id for r in suite.failures] == ["b", "c", "d"]
    assert older.by_lang["en"]["refusal_accuracy"] is None  # no unanswerable English question
    printed = format_answer_report("set", older)
    assert "refusal accuracy 0.500" in printed and "evidence facts 0.833" in printed
    assert "  en: citation_recall 1.000" in printed and "refusal_accuracy" not in printed.splitlines()[2]
