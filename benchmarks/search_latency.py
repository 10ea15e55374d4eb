"""Median and p95 latency of `assistant search` per query after warm-up, with the models loaded once
(the way `assistant search -` and the app run), in wall time and in this process's CPU time. Prints
figures and, with --save, writes docs/benchmarks/search-<embed threads>-threads.json.

`--embed-threads 1` and `2`, run one after the other a few times, is how the embedder's default
thread count was chosen (docs/benchmarks.md)."""

from __future__ import annotations

import argparse
import json
import sys
import time

from common import ROOT, load, save, spread

from assistant.evals.evaluation import load_items
from assistant.indexing import open_retriever
from assistant.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the question set")
    parser.add_argument("--embed-threads", type=int, default=None, help="default: the setting")
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()
    questions = [i.question for i in load_items(ROOT / "evals" / "retrieval.jsonl")]
    settings = Settings() if args.embed_threads is None else Settings(embed_threads=args.embed_threads)
    retriever = open_retriever(settings)
    for q in questions[:10]:  # warm-up
        retriever.search(q)
    wall, cpu = [], []
    for _ in range(args.rounds):
        for q in questions:
            start, start_cpu = time.perf_counter(), time.process_time()
            retriever.search(q)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    result = {"embed_threads": settings.embed_threads, "wall_ms": spread(wall), "cpu_ms": spread(cpu), "load": load()}
    print(json.dumps(result))
    if args.save:
        name = f"search-{settings.embed_threads}-threads"
        save(name, result, "python " + " ".join(["benchmarks/search_latency.py", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
