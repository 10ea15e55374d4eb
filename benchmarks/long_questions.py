"""Long questions and the short ones behind them, extractive generator, in one process: the median time of
a question at the size limit (2000 characters of Chinese, of emoji alone as the outside tester sent them, of
emoji after a question, of English) asked alone, and of "Who pays?" asked alone and while four long questions
(the question padded with emoji) are in flight. Prints medians and ratios; asserts nothing.

    .venv/bin/python benchmarks/long_questions.py --repeats 5 [--save long-questions]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import threading
import time

from common import load, save

from assistant.chain import build_chain
from assistant.settings import Settings

SHORT = "Who pays?"
PADDED = "Who pays for the participation of representatives of developing countries? "


def long_questions(chars: int) -> dict[str, str]:
    """Questions of exactly `chars` characters; the Chinese one is seeded, so every run asks the same."""
    rng = random.Random(16)
    words = "who pays for the participation of representatives of developing countries in the sessions".split()
    english = " ".join(rng.choice(words) for _ in range(chars))[:chars]
    return {
        "chinese": "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(chars)),
        "emoji": "😀" * chars,
        "question_and_emoji": (PADDED + "😀" * chars)[:chars],
        "english": english,
    }


def timed(chain, question: str) -> float:
    start = time.perf_counter()
    chain.invoke({"question": question})
    return time.perf_counter() - start


def behind(chain, long_question: str, clients: int) -> float:
    """Seconds "Who pays?" takes when asked just after `clients` long questions started."""
    threads = [threading.Thread(target=timed, args=(chain, long_question)) for _ in range(clients)]
    for t in threads:
        t.start()
    time.sleep(0.05)  # let the long ones reach the retriever first, as the tester's clients did
    took = timed(chain, SHORT)
    for t in threads:
        t.join()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3, help="times each measurement is taken")
    parser.add_argument("--chars", type=int, default=2000, help="length of the long questions")
    parser.add_argument("--clients", type=int, default=4, help="long questions in flight before the short one")
    parser.add_argument("--save", metavar="NAME", help="also write docs/benchmarks/NAME.json")
    args = parser.parse_args()
    chain = build_chain(Settings(generator="extractive", max_query_chars=max(2000, args.chars)))
    timed(chain, SHORT)  # warm-up: the BM25 index and the embedder load on first use
    short = statistics.median(timed(chain, SHORT) for _ in range(args.repeats))
    result: dict = {"repeats": args.repeats, "chars": args.chars, "short_alone_s": round(short, 3), "alone_s": {}}
    for name, question in long_questions(args.chars).items():
        median = statistics.median(timed(chain, question) for _ in range(args.repeats))
        result["alone_s"][name] = {"median": round(median, 3), "ratio_to_short": round(median / short, 1)}
    stuck = statistics.median(
        behind(chain, long_questions(args.chars)["question_and_emoji"], args.clients) for _ in range(args.repeats)
    )
    result["short_behind_long_s"] = {"median": round(stuck, 3), "ratio_to_alone": round(stuck / short, 1)}
    result["load"] = load()
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.save:
        save(args.save, result, "benchmarks/long_questions.py " + " ".join(f"--{k} {v}" for k, v in vars(args).items()))


if __name__ == "__main__":
    main()
