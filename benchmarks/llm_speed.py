"""The local model's speed as the answer chain drives it: time to first token (TTFT), tokens per second
and whole-answer time, with llama.cpp's prompt cache on and off.

The requests are the chain's own: ChatGenerator.messages() (the system prompt of the question's
language, then only the paragraphs the answer will rest on) and answer_grammar(), sent to the in-process
llama.cpp server (llm.local_server) with `"stream": true`. llama.cpp reports per request how many
prompt tokens it evaluated (`prompt_n`) and how many it took from the cache (`cache_n`); with
`cache_prompt` the fixed prefix (system prompt and the head of the user message) is evaluated once and
reused by the next question, and the server's RAM cache (`cache_ram_mib`) keeps the other language's
prefix too. `cache_prompt: false` is the "before" figure: every prompt evaluated from its first token."""

from __future__ import annotations

import argparse
import json
import sys
import time

import httpx
from common import ROOT, load, rss_mb, save, spread

from assistant.chain import build_chain
from assistant.evals.evaluation import load_answer_items
from assistant.generation import ChatGenerator, answer_grammar, evidence
from assistant.llm import local_model_path, local_server
from assistant.settings import Settings
from assistant.text import detect_language


def ask(url: str, messages: list[dict], grammar: str, cache: bool, max_tokens: int) -> dict:
    body = {
        "messages": messages,
        "stream": True,
        "temperature": 0,
        "max_tokens": max_tokens,
        "grammar": grammar,
        "cache_prompt": cache,
        "timings_per_token": False,
    }
    t0, first, timings, text = time.perf_counter(), None, {}, ""
    with httpx.stream("POST", f"{url}/chat/completions", json=body, timeout=600) as response:
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            delta = (chunk.get("choices") or [{}])[0].get("delta", {}).get("content")
            if delta:
                first = first or time.perf_counter()
                text += delta
            timings = chunk.get("timings") or timings
    end = time.perf_counter()
    return {
        "ttft_ms": ((first or end) - t0) * 1000,
        "total_ms": (end - t0) * 1000,
        "prompt_tokens": timings.get("prompt_n", 0) + timings.get("cache_n", 0),
        "prompt_evaluated": timings.get("prompt_n", 0),
        "prompt_cached": timings.get("cache_n", 0),
        "tokens": timings.get("predicted_n", 0),
        "tokens_per_s": timings.get("predicted_per_second", 0.0),
        "prompt_tokens_per_s": timings.get("prompt_per_second", 0.0),
        "text": text,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=10, help="answerable development questions, zh and en")
    args = parser.parse_args()
    settings = Settings()
    chain = build_chain(settings)
    before = rss_mb()
    t0 = time.perf_counter()
    server = local_server(local_model_path(settings), settings)
    load_s = time.perf_counter() - t0
    generator = ChatGenerator(settings, "local")
    items = [i for i in load_answer_items(ROOT / "evals" / "answers.jsonl") if i.answerable and not i.history]
    items = items[:: max(1, len(items) // args.questions)][: args.questions]
    requests = []
    for item in items:
        lang = detect_language(item.question)
        chosen = evidence(chain.retriever.search(item.question), settings.context_paragraphs)
        messages = [
            {"role": "system" if m.type == "system" else "user", "content": m.content}
            for m in generator.messages(item.question, lang, chosen)
        ]
        requests.append((messages, answer_grammar([h.paragraph for h in chosen])))
    ask(server.base_url, *requests[0], cache=True, max_tokens=8)  # warm-up
    runs: dict[str, list[dict]] = {}
    for mode, cache in (("cache_off", False), ("cache_on", True)):
        runs[mode] = []
        for n, (messages, grammar) in enumerate(requests, 1):
            runs[mode].append(ask(server.base_url, messages, grammar, cache, settings.max_answer_tokens))
            print(f"{mode} {n}/{len(requests)} ttft {runs[mode][-1]['ttft_ms']:.0f} ms load {load()}", file=sys.stderr)
    result = {
        "model": local_model_path(settings).name,
        "threads": settings.llm_threads,
        "model_load_s": round(load_s, 1),
        "memory_mb": {"app_without_model": before, "app_with_model": rss_mb()},
        "questions": len(requests),
    }
    for mode, rs in runs.items():
        result[mode] = {
            key: spread([r[key] for r in rs])
            for key in ("ttft_ms", "total_ms", "prompt_tokens", "prompt_evaluated", "prompt_cached", "tokens")
        } | {"tokens_per_s": spread([r["tokens_per_s"] for r in rs]), "load": load()}
    result["ttft_ratio_on_off"] = round(
        result["cache_on"]["ttft_ms"]["median"] / result["cache_off"]["ttft_ms"]["median"], 2
    )
    save("llm-speed", result, "python " + " ".join(["benchmarks/llm_speed.py", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
