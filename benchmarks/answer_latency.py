"""Time to first token and whole-answer time of the answer chain, per generator, after warm-up.
Medians and p95 over questions from the evaluation set; prints figures, asserts nothing."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from assistant.chain import build_chain
from assistant.evals.evaluation import load_answer_items
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--generator", default="local", choices=["local", "openai", "extractive"])
    parser.add_argument("--questions", type=int, default=20, help="answerable questions to time")
    args = parser.parse_args()
    chain = build_chain(Settings(generator=args.generator))
    items = [i for i in load_answer_items(ROOT / "evals" / "answers.jsonl") if i.answerable and not i.history]
    chain.invoke({"question": items[0].question})  # warm-up: loads the model
    first, total, generators = [], [], []
    for item in items[1 : args.questions + 1]:
        start = time.perf_counter()
        first_token = None
        for part in chain.stream({"question": item.question}):
            if first_token is None:
                first_token = time.perf_counter() - start
            answer = part
        total.append(time.perf_counter() - start)
        first.append(first_token)
        generators.append(answer.generator)
    print(
        json.dumps(
            {
                "generator": args.generator,
                "questions": len(total),
                "answered_by": {g: generators.count(g) for g in sorted(set(generators))},
                "first_token_median_s": round(statistics.median(first), 2),
                "first_token_p95_s": round(percentile(first, 0.95), 2),
                "total_median_s": round(statistics.median(total), 2),
                "total_p95_s": round(percentile(total, 0.95), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
