"""Median and p95 latency of `assistant search` per query after warm-up, with the models loaded once
(the way `assistant search -` and the app run). Prints figures; asserts nothing."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from assistant.evaluation import load_items
from assistant.indexing import open_retriever
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the question set")
    args = parser.parse_args()
    questions = [i.question for i in load_items(ROOT / "evals" / "retrieval.jsonl")]
    retriever = open_retriever(Settings())
    for q in questions[:10]:  # warm-up
        retriever.search(q)
    times = []
    for _ in range(args.rounds):
        for q in questions:
            start = time.perf_counter()
            retriever.search(q)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    result = {
        "queries": len(times),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
