"""The suite report's unaided run (issue 19): its own gate checks, both runs side by side in the Markdown and
the HTML, and reports from before it still readable. Built from the committed fast report, so no evaluation
runs here."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evals.reports import html_page, markdown
from assistant.evals.suite import (
    UNAIDED,
    Run,
    SuiteReport,
    apply_gate,
    compare,
    flat_metrics,
    load_thresholds,
    previous_report,
)

EVALS = Path(__file__).resolve().parent.parent / "evals"


# The last fast report committed before the unaided run existed: what older reports look like.
BEFORE_UNAIDED = EVALS / "reports" / "20261202-020712-fast.json"


@pytest.fixture
def committed() -> SuiteReport:
    return SuiteReport.model_validate_json(BEFORE_UNAIDED.read_text(encoding="utf-8"))


def test_the_committed_fast_report_holds_the_unaided_run():
    report = previous_report(EVALS / "reports", "fast", exclude="")
    assert report is not None and report.unaided is not None
    assert set(report.unaided.retrieval) == {"dev", "heldout"}


def _with_unaided(report: SuiteReport, recall_at_1: float) -> SuiteReport:
    """The committed report with an unaided run: its figures, recall@1 in every language set to `recall_at_1`."""
    unaided = Run(retrieval=report.retrieval, answers=report.answers).model_copy(deep=True)
    for summary in unaided.retrieval.values():
        summary.metrics["recall_at_1"] = recall_at_1
        for by in summary.by_lang.values():
            by["recall_at_1"] = recall_at_1
    return report.model_copy(update={"unaided": unaided})


def test_a_report_from_before_the_unaided_run_is_read_and_compared(committed):
    assert committed.unaided is None
    thresholds = load_thresholds(EVALS / "thresholds.toml")
    apply_gate(committed, thresholds)
    assert not any(c.key.startswith(f"{UNAIDED}.") for c in committed.gate)
    current = _with_unaided(committed, 0.5)
    compare(current, committed, thresholds)
    assert not any(c.key.startswith(f"{UNAIDED}.") for c in current.changes)  # nothing to compare it with
    assert "the unaided one was not measured" in markdown(committed)


def test_the_unaided_run_has_thresholds_of_its_own_and_only_its_guards_enforced_in_ci(committed):
    thresholds = load_thresholds(EVALS / "thresholds.toml")
    assert {"unaided.retrieval", "unaided.extractive"} <= set(thresholds.bounds)
    enforced = [key for key in thresholds.enforced_in_ci if key.startswith(f"{UNAIDED}.")]
    assert enforced and all(".guard_" in key for key in enforced)  # the Bar waits; its guards do not
    report = _with_unaided(committed, 0.5)
    values = flat_metrics(report)
    assert values["unaided.retrieval/heldout/recall_at_1_en"] == 0.5
    assert values["retrieval/heldout/recall_at_1"] == committed.retrieval["heldout"].metrics["recall_at_1"]
    apply_gate(report, thresholds)
    unaided = {(c.key, c.bound): c for c in report.gate if c.key.startswith(f"{UNAIDED}.")}
    for lang in ("en", "zh"):
        bar = unaided[(f"unaided.retrieval/heldout/recall_at_1_{lang}", "min")]
        assert (bar.threshold, bar.passed, bar.enforced_in_ci) == (0.85, False, False)
        guard = unaided[(f"unaided.retrieval/heldout/recall_at_1_{lang}", "guard_min")]
        assert (guard.threshold, guard.passed, guard.enforced_in_ci) == (0.65, False, True)
    assert {"unaided.extractive/heldout/refusal_accuracy", "unaided.extractive/heldout/false_refusal"} <= {
        key for key, _ in unaided
    }
    # the normal run's checks read the normal run only: the unaided failures leave CI's gate as it was
    assert not any(c.key.startswith("retrieval/") and "_en" in c.key for c in report.gate)
    assert report.passed_ci == all(c.passed for c in report.gate if c.enforced_in_ci)


def test_both_runs_stand_side_by_side_in_markdown_and_html(committed):
    report = _with_unaided(committed, 0.5)
    apply_gate(report, load_thresholds(EVALS / "thresholds.toml"))
    lines = markdown(report).splitlines()
    aided = next(i for i, line in enumerate(lines) if line.startswith("| heldout | en | aided |"))
    assert lines[aided + 1].startswith("| heldout | en | unaided |  | 0.500 |")
    answers = next(i for i, line in enumerate(lines) if line.startswith("| extractive | heldout | zh | aided |"))
    assert lines[answers + 1].startswith("| extractive | heldout | zh | unaided |")
    assert "| unaided.retrieval/heldout/recall_at_1_zh | ≥ 0.85 | 0.500 | **FAIL** |  |" in lines
    page = html_page(report)
    assert "Per-language scores, aided index" in page and "Per-language scores, unaided index" in page
    assert page.count("<svg") == html_page(committed).count("<svg") + 1
