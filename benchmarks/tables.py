"""Print the Markdown tables of docs/benchmarks.md from the result files (docs/benchmarks/*.json), so
the figures in the document are the ones the benchmarks wrote."""

from __future__ import annotations

import json

from common import RESULTS

from assistant.evals.reports import HEADLINE


def read(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def ms(s: dict) -> str:
    return f"{s['median']:.0f} / {s['p95']:.0f} (IQR {s['q1']:.0f}–{s['q3']:.0f})"


def scale() -> None:
    print(
        "| corpus | vectors | store | chunks | ingest s (chunks/s) | re-ingest unchanged s | index MB | "
        "retriever load s | RSS MB | search ms median / p95 | dense ms median / p95 | BM25 ms median / p95 | "
        "R@1 dev | R@3 dev | R@3 held-out | load (1/5/15 min) |"
    )
    print("|" + "---|" * 16)
    runs = [json.loads(p.read_text(encoding="utf-8")) for p in RESULTS.glob("scale-*.json")]
    for d in sorted(runs, key=lambda d: (d["store"], d["size"], d["vectors"])):
        i, st = d["ingest"], d["search_stages_ms"]
        print(
            f"| {d['size']:,} | {d['vectors']} | {d['store']} | {i['chunks']:,} | {i['seconds']} "
            f"({i['chunks_per_s']}) | {i['reingest_unchanged']['seconds']} | {d['index_mb']} | "
            f"{d['retriever_load_s']} | {d['memory_after_load']['rss_mb']} | "
            f"{d['search_ms']['median']:.0f} / {d['search_ms']['p95']:.0f} | "
            f"{st['dense']['median']} / {st['dense']['p95']} | {st['bm25']['median']} / {st['bm25']['p95']} | "
            f"{d['recall']['dev']['recall_at_1']:.2f} | {d['recall']['dev']['recall_at_3']:.2f} | "
            f"{d['recall']['heldout']['recall_at_3']:.2f} | {d['load']} |"
        )


def baseline() -> None:
    d = read("baseline")
    if not d:
        return
    print(
        "| set | n | project R@1 | baseline R@1 | project R@3 | baseline R@3 | R@3 ratio | "
        "characters in top 3, project / baseline | search ms project / baseline (median) |"
    )
    print("|" + "---|" * 9)
    for name, r in d["retrieval"].items():
        p, b = r["project"], r["baseline"]
        print(
            f"| {name} | {r['n']} | {p['recall_at_1']:.2f} | {b['recall_at_1']:.2f} | {p['recall_at_3']:.2f} | "
            f"{b['recall_at_3']:.2f} | {p['recall_at_3'] / max(b['recall_at_3'], 1e-9):.2f} | "
            f"{p['top3_characters']['median']:.0f} / {b['top3_characters']['median']:.0f} | "
            f"{p['search_ms']['median']:.0f} / {b['search_ms']['median']:.0f} |"
        )
    print()
    keys = HEADLINE
    print(
        "| answers | n | pipeline | "
        + " | ".join(keys)
        + " | first output ms median / p95 | total ms median / p95 (IQR) |"
    )
    print("|" + "---|" * (len(keys) + 5))
    for name, a in d["answers"].items():
        for pipe in ("project", "baseline"):
            if pipe not in a:
                continue
            m = a[pipe]["metrics"]
            cells = " | ".join("–" if m.get(k) is None else f"{m[k]:.2f}" for k in keys)
            first = a[pipe]["first_output_ms"]
            print(
                f"| {name} | {a['n']} | {pipe} | {cells} | {first['median']:.0f} / {first['p95']:.0f} | "
                f"{ms(a[pipe]['total_ms'])} |"
            )


def llm() -> None:
    d = read("llm-speed")
    if not d:
        return
    print(
        "| prompt cache | TTFT ms median / p95 (IQR) | total ms median / p95 | prompt tokens | evaluated | "
        "from cache | tokens/s | load |"
    )
    print("|" + "---|" * 8)
    for mode in ("cache_off", "cache_on"):
        r = d[mode]
        print(
            f"| {mode} | {ms(r['ttft_ms'])} | {r['total_ms']['median']:.0f} / {r['total_ms']['p95']:.0f} | "
            f"{r['prompt_tokens']['median']:.0f} | {r['prompt_evaluated']['median']:.0f} | "
            f"{r['prompt_cached']['median']:.0f} | {r['tokens_per_s']['median']:.1f} | {r['load']} |"
        )
    print(f"\nTTFT ratio on/off: {d['ttft_ratio_on_off']}; model load {d['model_load_s']} s; memory {d['memory_mb']}")


def concurrency() -> None:
    d = read("concurrency")
    if not d:
        return
    print("| generator | client | clients | requests | errors | answers/s | latency ms median / p95 | wall s | load |")
    print("|" + "---|" * 9)
    for generator in ("extractive", "local"):
        for kind, levels in d.get(generator, {}).items():
            for lv in levels:
                lat = lv["latency_ms"]
                print(
                    f"| {generator} | {kind} | {lv['clients']} | {lv['requests']} | {lv['errors']} | "
                    f"{lv['throughput_per_s']} | {lat.get('median', 0):.0f} / {lat.get('p95', 0):.0f} | "
                    f"{lv['wall_s']} | {lv['load']} |"
                )
    print(f"\nmemory (MB, server process and children): {d['memory_mb']}")


if __name__ == "__main__":
    for table in (scale, baseline, llm, concurrency):
        table()
        print()
