"""Writing a suite report: JSON (the record the next run compares with), Markdown (for the README
and reviews), a self-contained HTML page with plots (matplotlib SVG inlined, nothing fetched), and the
run in RAGAS's dataset layout."""

from __future__ import annotations

import html
import io
import json
from collections.abc import Mapping
from pathlib import Path

from ..models import Answer, Texts
from ..refs import Ref
from ..replies import NOT_SAID
from .evaluation import AnswerItem
from .suite import MINIMA, UNAIDED, AnswerSummary, Run, SuiteReport

HEADLINE = [
    "statement_correct",
    "wrong_fact_rate",
    "citation_precision",
    "citation_recall",
    "evidence_fact_recall",
    "gold_cited",
    "refusal_accuracy",
    "false_refusal",
    "fabricated_rate",
]
MAX_FAILURES = 60


def write_reports(
    report: SuiteReport,
    answered: dict[str, dict[str, list[tuple[AnswerItem, Answer]]]],
    texts: Texts,
    out_dir: Path,
) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out_dir / f"{report.name}.json",
        "md": out_dir / f"{report.name}.md",
        "html": out_dir / f"{report.name}.html",
        "ragas": out_dir / f"{report.name}-ragas.jsonl",
    }
    paths["json"].write_text(report.model_dump_json(indent=1) + "\n", encoding="utf-8")
    paths["md"].write_text(markdown(report), encoding="utf-8")
    paths["html"].write_text(html_page(report), encoding="utf-8")
    rows = [
        row
        for generator, by_set in answered.items()
        for pairs in by_set.values()
        for row in ragas_rows(generator, pairs, texts)
    ]
    paths["ragas"].write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return paths


# --- RAGAS --------------------------------------------------------------------------------------


def ragas_rows(generator: str, pairs: list[tuple[AnswerItem, Answer]], texts: Texts) -> list[dict]:
    """One row per question in RAGAS's SingleTurnSample fields: user_input (question), response
    (answer), retrieved_contexts (the paragraphs the answer cites or shows as nearest), reference
    (the gold paragraphs' text, or "the text does not say" for an unanswerable question) and
    reference_contexts (the gold paragraphs)."""
    rows = []
    for item, answer in pairs:
        lang = item.lang if item.lang in ("zh", "en") else "en"
        gold = [by.get(lang) or by.get("zh", "") for p in item.gold if (by := texts.get(Ref.parse(p)))]
        rows.append(
            {
                "user_input": item.question,
                "response": answer.answer,
                "retrieved_contexts": [
                    by.get(lang) or c.quote for c in answer.citations if (by := texts.get(Ref.parse(c.paragraph)))
                ],
                "reference": "\n".join(gold) if item.answerable else NOT_SAID[lang],
                "reference_contexts": gold,
                "id": item.id,
                "generator": generator,
            }
        )
    return rows


# --- Markdown -----------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.0f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in rows)]


def runs(report: SuiteReport) -> list[tuple[str, Run]]:
    """The indexes measured: the normal one (every aid) and, when it ran, the unaided one."""
    aided = [("aided", Run(retrieval=report.retrieval, answers=report.answers))]
    return aided + ([(UNAIDED, report.unaided)] if report.unaided is not None else [])


def _grouped(rows: list[list[str]], width: int) -> list[list[str]]:
    """Rows agreeing in their first `width` cells next to each other (the aided row, then the unaided one),
    in the order they first appear: the two runs side by side."""
    first: dict[tuple[str, ...], int] = {}
    for row in rows:
        first.setdefault(tuple(row[:width]), len(first))
    return sorted(rows, key=lambda row: first[tuple(row[:width])])


def retrieval_rows(report: SuiteReport) -> list[list[str]]:
    rows = [
        [
            name,
            lang,
            index,
            str(r.n) if lang == "all" else "",
            *(_fmt(m[k]) for k in ("recall_at_1", "recall_at_3", "mrr")),
            f"{r.latency_ms.p50:.0f} / {r.latency_ms.p95:.0f}" if lang == "all" else "",
        ]
        for index, run in runs(report)
        for name, r in run.retrieval.items()
        for lang, m in [("all", r.metrics), *r.by_lang.items()]
    ]
    return _grouped(rows, 2)


def answer_runs(report: SuiteReport) -> list[tuple[str, str, str, AnswerSummary]]:
    """(generator, set, index, summary), the aided and the unaided summary of a generator and set together."""
    rows = [
        (generator, name, index, a)
        for index, run in runs(report)
        for generator, by_set in run.answers.items()
        for name, a in by_set.items()
    ]
    order = {key: i for i, key in enumerate(dict.fromkeys((g, s) for g, s, _, _ in rows))}
    return sorted(rows, key=lambda row: order[row[:2]])


def sections(report: SuiteReport) -> list[tuple[str, list[str], list[list[str]]]]:
    """The report's tables, shared by the Markdown and the HTML: (title, header, rows)."""
    out = []
    gate_rows = [
        [
            c.key,
            f"{'≥' if c.bound in MINIMA else '≤'} {c.threshold:g}"
            + (" (guard)" if c.bound.startswith("guard") else ""),
            _fmt(c.value),
            "pass" if c.passed else "**FAIL**",
            "yes" if c.enforced_in_ci else "",
        ]
        for c in report.gate
    ]
    out.append(
        ("Gate (evals/thresholds.toml)", ["metric", "threshold", "value", "result", "enforced in CI"], gate_rows)
    )
    out.append(
        (
            "Retrieval",
            ["set", "lang", "index", "n", "recall@1", "recall@3", "MRR", "search p50 / p95 ms"],
            retrieval_rows(report),
        )
    )
    by_lang = [
        [generator, name, lang, index, str(a.n) if lang == "all" else "", *(_fmt(m.get(k)) for k in HEADLINE)]
        for generator, name, index, a in answer_runs(report)
        for lang, m in [("all", a.metrics), *a.by_lang.items()]
    ]
    out.append(("Answers", ["generator", "set", "lang", "index", "n", *HEADLINE], _grouped(by_lang, 3)))
    length_rows = [
        [
            generator,
            name,
            index,
            *(
                " / ".join(_fmt(a.metrics.get(f"statement_chars_{q}_{lang}")) for q in ("p50", "p90"))
                for lang in ("en", "zh")
            ),
        ]
        for generator, name, index, a in answer_runs(report)
    ]
    out.append(
        (
            "Statement length, characters (p50 / p90, answered questions)",
            ["generator", "set", "index", "en", "zh"],
            length_rows,
        )
    )
    latency_rows = [
        [
            generator,
            name,
            index,
            *(
                f"{a.latency_ms[s].p50:.0f} / {a.latency_ms[s].p95:.0f}"
                for s in ("retrieve", "generate", "verify", "total")
            ),
            str(a.fallbacks),
        ]
        for generator, name, index, a in answer_runs(report)
    ]
    out.append(
        (
            "Latency per stage, ms (p50 / p95)",
            ["generator", "set", "index", "retrieve", "generate", "verify", "total", "fallbacks"],
            latency_rows,
        )
    )
    category_rows = [
        [generator, category, index, *(_fmt(m.get(k)) for k in HEADLINE)]
        for generator, name, index, a in answer_runs(report)
        if name == "dev"
        for category, m in a.by_category.items()
    ]
    out.append(
        (
            "Answers by category (development set)",
            ["generator", "category", "index", *HEADLINE],
            _grouped(category_rows, 2),
        )
    )
    if report.previous:
        change_rows = [
            [c.key, _fmt(c.previous), _fmt(c.current), "**REGRESSION**" if c.regression else ""]
            for c in sorted(report.changes, key=lambda c: (not c.regression, c.key))
        ]
        out.append((f"Changes since {report.previous}", ["metric", "before", "now", ""], change_rows))
    return out


def summary_lines(report: SuiteReport) -> list[str]:
    failed = [c.key for c in report.gate if not c.passed]
    regressions = [c.key for c in report.changes if c.regression]
    j = report.judge
    return [
        f"Profile **{report.profile}**, generators {', '.join(report.generators)}"
        + (f" ({', '.join(f'{g}: {m}' for g, m in report.models.items() if m)})" if report.models else "")
        + f", sets {', '.join(report.sets)}"
        + (f" (every {report.sample}th answer question only: not a release run)" if report.sample > 1 else "")
        + f"; commit `{report.commit}`, {report.created}, {report.machine}, "
        f"{report.seconds:.0f} s.",
        "",
        f"Gate: **{'PASSED' if report.passed else 'FAILED'}**"
        + (f" ({len(failed)} below threshold: {', '.join(failed)})" if failed else "")
        + f"; the metrics CI enforces: {'passed' if report.passed_ci else 'FAILED'}.",
        "",
        f"Regressions since the previous report: {', '.join(regressions) if regressions else 'none'}"
        + ("" if report.previous else " (no previous report)")
        + ".",
        "",
        f"Support judge: similarity threshold {j.threshold}, accuracy {j.accuracy:.3f} on {j.pairs} hand-labelled "
        f"pairs (leave-one-out {j.loo_accuracy:.3f}; precision {j.precision:.3f}, recall {j.recall:.3f}).",
        "",
        "Index: "
        + (
            "every table shows the normal index (`aided`: with knowledge/expansions.yaml and every scope note) and "
            "beside it the `unaided` one (no expansions.yaml, the generic scope notes only); the unaided run's gate "
            "checks are the `unaided.` ones."
            if report.unaided is not None
            else "the normal index only (`aided`); the unaided one was not measured."
        ),
    ]


def markdown(report: SuiteReport) -> str:
    lines = [f"# Evaluation report {report.name}", "", *summary_lines(report), ""]
    for title, header, rows in sections(report):
        lines += [f"## {title}", "", *_table(header, rows), ""]
    lines += failure_lines(report)
    return "\n".join(lines) + "\n"


def failure_lines(report: SuiteReport) -> list[str]:
    lines = []
    for generator, by_set in report.answers.items():
        dev = by_set.get("dev")
        if not dev or not dev.failures:
            continue
        lines += [f"## Failures, {generator}, development set ({len(dev.failures)})", ""]
        for r in dev.failures[:MAX_FAILURES]:
            problems = []
            if r.answerable != r.expected_answerable:
                problems.append("refused" if not r.answerable else "answered an unanswerable question")
            if r.gold_cited is False:
                problems.append("gold not cited")
            if r.statement_correct is False and r.answerable:
                problems.append(
                    "statement not correct" + (f" (states {', '.join(r.wrong_stated)})" if r.wrong_stated else "")
                )
            if r.evidence_facts is not None and r.evidence_facts < 1:
                problems.append(f"evidence facts {r.evidence_facts:.2f}")
            if r.unsupported:
                problems.append(f"unsupported citations {','.join(r.unsupported)}")
            if r.irrelevant:
                problems.append(f"irrelevant citations {','.join(r.irrelevant)}")
            if r.fabricated:
                problems.append(f"fabricated {','.join(r.fabricated)}")
            lines.append(f"- `{r.id}` [{r.lang} {r.category}] {'; '.join(problems)}; cited {','.join(r.cited) or '-'}")
        if len(dev.failures) > MAX_FAILURES:
            lines.append(f"- … and {len(dev.failures) - MAX_FAILURES} more (all in the JSON report)")
        lines.append("")
    return lines


# --- HTML with plots ----------------------------------------------------------------------------


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _bars(run: Run) -> str:
    """Per-language bars of one run: retrieval per set, then the answer scores per generator and set."""
    import matplotlib.pyplot as plt
    import numpy as np

    groups: list[tuple[str, Mapping[str, Mapping[str, float | None]], list[str]]] = [
        (f"retrieval {name}", r.by_lang, ["recall_at_1", "recall_at_3", "mrr"]) for name, r in run.retrieval.items()
    ]
    groups += [
        (
            f"{g} {name}",
            a.by_lang,
            ["statement_correct", "citation_precision", "citation_recall", "evidence_fact_recall", "refusal_accuracy"],
        )
        for g, by_set in run.answers.items()
        for name, a in by_set.items()
    ]
    fig, axes = plt.subplots(1, len(groups), figsize=(3.6 * len(groups), 3.2), squeeze=False)
    for ax, (title, by_lang, metrics) in zip(axes[0], groups, strict=True):
        langs = sorted(by_lang)
        x = np.arange(len(metrics))
        for i, lang in enumerate(langs):
            ax.bar(
                x + (i - (len(langs) - 1) / 2) * 0.38, [by_lang[lang].get(m) or 0 for m in metrics], 0.38, label=lang
            )
        ax.set_xticks(
            x, [m.replace("citation_", "cit. ").replace("_", " ") for m in metrics], rotation=30, ha="right", fontsize=8
        )
        ax.set_ylim(0, 1.05)
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, loc="lower left")
    return _svg(fig)


def plots(report: SuiteReport) -> list[tuple[str, str]]:
    """(caption, inline SVG) for per-language bars, the latency histogram and the heat map."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    matplotlib.rcParams["svg.fonttype"] = "path"  # glyphs as paths: no font needed to view it
    out = [
        (f"Per-language scores, {index} index" if report.unaided is not None else "Per-language scores", _bars(run))
        for index, run in runs(report)
    ]

    fig, ax = plt.subplots(figsize=(7, 3))
    for g, by_set in report.answers.items():
        totals = [t for a in by_set.values() for t in a.totals_ms]
        if totals:
            ax.hist(
                totals,
                bins=list(np.logspace(np.log10(max(1, min(totals))), np.log10(max(totals) + 1), 30)),
                alpha=0.6,
                label=g,
            )
    ax.set_xscale("log")
    ax.set_xlabel("answer latency, ms (log scale)")
    ax.set_ylabel("questions")
    ax.legend(fontsize=8)
    out.append(("Latency of whole answers", _svg(fig)))

    cells = report.misses_by_paragraph
    if cells:
        rows = list(cells)
        cols = sorted({c for v in cells.values() for c in v})
        grid = np.array([[cells[r].get(c, 0) for c in cols] for r in rows])
        fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(cols), 0.8 + 0.24 * len(rows)))
        ax.imshow(grid, cmap="Reds", aspect="auto")
        ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right", fontsize=7)
        ax.set_yticks(range(len(rows)), rows, fontsize=7)
        for i in range(len(rows)):
            for j in range(len(cols)):
                if grid[i, j]:
                    dark = grid[i, j] > grid.max() / 2
                    ax.text(
                        j, i, str(grid[i, j]), ha="center", va="center", fontsize=6, color="white" if dark else "black"
                    )
        out.append(
            (
                "Misses per paragraph, development set (gold paragraphs of missed questions; "
                "cited paragraphs of unsupported claims)",
                _svg(fig),
            )
        )
    return out


STYLE = """
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f3f3f3}
.fail{background:#fde2e2;font-weight:bold}
figure{margin:1em 0}
figcaption{font-size:.9em;color:#555}
svg{max-width:100%;height:auto}
"""


def _cell(text: str) -> str:
    bold = text.startswith("**") and text.endswith("**")
    value = html.escape(text.strip("*"))
    return f'<td class="fail">{value}</td>' if bold else f"<td>{value}</td>"


def html_page(report: SuiteReport) -> str:
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Evaluation {html.escape(report.name)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Evaluation report {html.escape(report.name)}</h1>",
    ]
    for line in summary_lines(report):
        if line:
            parts.append("<p>" + html.escape(line).replace("**", "") + "</p>")
    for caption, svg in plots(report):
        parts.append(f"<figure>{svg}<figcaption>{html.escape(caption)}</figcaption></figure>")
    for title, header, rows in sections(report):
        parts.append(
            f"<h2>{html.escape(title)}</h2><table><tr>"
            + "".join(f"<th>{html.escape(h)}</th>" for h in header)
            + "</tr>"
        )
        parts += ["<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows]
        parts.append("</table>")
    fails = failure_lines(report)
    if fails:
        parts.append("<h2>Failures</h2><pre>" + html.escape("\n".join(fails)) + "</pre>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
