"""Draw docs/benchmarks/*.png from the result files the benchmarks wrote (docs/benchmarks/*.json).
A plot whose results are missing is skipped."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from common import RESULTS  # noqa: E402


def read(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def scale() -> None:
    runs = {}
    for path in sorted(RESULTS.glob("scale-*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        runs.setdefault(f"{data['vectors']} vectors, {data['store']}", []).append(data)
    if not runs:
        return
    fig, (lat, stages, rec) = plt.subplots(1, 3, figsize=(15, 4.2))
    for label, rs in runs.items():
        rs.sort(key=lambda d: d["size"])
        x = [max(d["size"], 100) for d in rs]
        med = [d["search_ms"]["median"] for d in rs]
        p95 = [d["search_ms"]["p95"] for d in rs]
        line = lat.plot(x, med, "o-", label=f"{label}: median")[0]
        lat.plot(x, p95, "s--", color=line.get_color(), label=f"{label}: p95")
        for key, style in (("dense", "o-"), ("bm25", "^-")):
            stages.plot(
                x, [d["search_stages_ms"][key]["median"] for d in rs], style, label=f"{key} ({label})", alpha=0.8
            )
        rec.plot(x, [d["recall"]["dev"]["recall_at_3"] for d in rs], "o-", label=f"dev ({label})")
        rec.plot(x, [d["recall"]["heldout"]["recall_at_3"] for d in rs], "s--", label=f"held-out ({label})")
    lat.axhline(50, color="grey", lw=0.8, ls=":")
    lat.axhline(150, color="grey", lw=0.8, ls=":")
    lat.set(xscale="log", yscale="log", xlabel="generated paragraphs (100 = the resolution alone)", ylabel="ms")
    lat.set_title("Search latency (whole search, loaded machine)")
    stages.set(xscale="log", yscale="log", xlabel="generated paragraphs", ylabel="ms (median)")
    stages.set_title("Stages that grow with the corpus")
    rec.set(xscale="log", xlabel="generated paragraphs", ylabel="recall@3", ylim=(0.5, 1.0))
    rec.set_title("recall@3 on the real questions")
    for ax in (lat, stages, rec):
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(RESULTS / "scale.png", dpi=110)


def grouped_bars(ax, labels: list[str], series: dict[str, list[float]], title: str, width: float = 0.38) -> None:
    """Side-by-side bars of each series per label, scores from 0 to 1."""
    for i, (name, values) in enumerate(series.items()):
        ax.bar([j + i * width for j in range(len(labels))], values, width, label=name)
    ax.set_xticks([j + width / 2 for j in range(len(labels))], labels, fontsize=8)
    ax.set(ylim=(0, 1), title=title)
    ax.legend()


def baseline() -> None:
    data = read("baseline")
    if not data:
        return
    local = data["answers"].get("local/dev")
    compared = bool(local and "baseline" in local)
    fig, axes = plt.subplots(1, 2 if compared else 1, figsize=(12 if compared else 6.5, 4.2), squeeze=False)
    ret = axes[0][0]
    names = ["project", "baseline"]
    metrics = [("dev", "recall_at_1"), ("dev", "recall_at_3"), ("heldout", "recall_at_1"), ("heldout", "recall_at_3")]
    series = {name: [data["retrieval"][s][name][m] for s, m in metrics] for name in names}
    grouped_bars(
        ret, [f"{s}\n{m}" for s, m in metrics], series, "Retrieval (baseline chunk = the paragraphs it overlaps)"
    )
    if compared:
        ans = axes[0][1]
        keys = ["citation_precision", "citation_recall", "evidence_fact_recall", "gold_cited", "refusal_accuracy"]
        series = {name: [local[name]["metrics"].get(k) or 0 for k in keys] for name in names}
        title = f"Local model answers ({local['n']} development questions)"
        grouped_bars(ans, [k.replace("_", "\n") for k in keys], series, title)
    fig.tight_layout()
    fig.savefig(RESULTS / "baseline.png", dpi=110)


def llm() -> None:
    data = read("llm-speed")
    if not data:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    modes = ["cache_off", "cache_on"]
    stats = [data[m]["ttft_ms"] for m in modes]
    ax.bxp(
        [
            {
                "med": s["median"] / 1000,
                "q1": s["q1"] / 1000,
                "q3": s["q3"] / 1000,
                "whislo": s["min"] / 1000,
                "whishi": s["max"] / 1000,
                "label": m,
            }
            for s, m in zip(stats, modes, strict=True)
        ],
        showfliers=False,
    )
    ax.axhline(4, color="grey", ls=":", lw=0.8)
    ax.set(ylabel="time to first token (s)", title="Local model TTFT, prompt cache off / on")
    fig.tight_layout()
    fig.savefig(RESULTS / "llm-ttft.png", dpi=110)


def concurrency() -> None:
    data = read("concurrency")
    if not data:
        return
    fig, (thr, p95) = plt.subplots(1, 2, figsize=(11, 4))
    for generator in ("extractive", "local"):
        for kind, levels in data.get(generator, {}).items():
            x = [lv["clients"] for lv in levels]
            thr.plot(x, [lv["throughput_per_s"] for lv in levels], "o-", label=f"{generator} via {kind}")
            p95.plot(x, [lv["latency_ms"].get("p95", 0) / 1000 for lv in levels], "o-", label=f"{generator} via {kind}")
    thr.set(xscale="log", xlabel="simultaneous clients", ylabel="answers / s", title="Throughput")
    p95.set(xscale="log", yscale="log", xlabel="simultaneous clients", ylabel="s", title="p95 latency per answer")
    for ax in (thr, p95):
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(RESULTS / "concurrency.png", dpi=110)


if __name__ == "__main__":
    for draw in (scale, baseline, llm, concurrency):
        draw()
