"""Simultaneous clients against the app `make run` starts (`assistant ui`, on a spare port): 1, 4 and 16
clients asking at once through gradio_client (Gradio's /ask) and through the JSON API (POST /api/ask),
with the extractive generator and with the local model. Per level: throughput (answers per second of
wall time), latency median / p95 per answer, and errors (anything but a 200 with an Answer). Also the
server's memory (process and children) before and after the local model is loaded.

The local model answers one question at a time (the app queues them), so it gets fewer requests per
level: `--local-requests` in all, spread over the clients."""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from common import ROOT, free_port, load, save, spread, tree_rss_mb, wait_port

from assistant.evals.evaluation import load_answer_items


def start_app(port: int) -> subprocess.Popen:
    app = ROOT / ".venv" / "bin" / "assistant"
    proc = subprocess.Popen(
        [str(app), "ui", "--host", "127.0.0.1", "--port", str(port), "--generator", "extractive"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_port(port, proc, seconds=300)
    return proc


def via_api(url: str, question: str, generator: str) -> dict:
    response = httpx.post(f"{url}/api/ask", json={"question": question, "generator": generator}, timeout=900)
    response.raise_for_status()
    return response.json()


_clients = threading.local()


def via_gradio(url: str, question: str, generator: str) -> dict:
    from gradio_client import Client

    if getattr(_clients, "client", None) is None:  # one client per thread, as one user would hold it
        _clients.client = Client(url, verbose=False)
    return _clients.client.predict(question=question, history=[], generator=generator, api_name="/ask")


def level(call, url: str, questions: list[str], clients: int, requests: int, generator: str) -> dict:
    times: list[float] = []
    errors: list[str] = []

    def one(question: str) -> None:
        t0 = time.perf_counter()
        try:
            answer = call(url, question, generator)
            if not isinstance(answer, dict) or "answer" not in answer:
                raise ValueError(f"not an Answer: {str(answer)[:100]}")
            times.append((time.perf_counter() - t0) * 1000)
        except Exception as exc:  # counted and reported, never hidden
            errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")

    asked = [questions[i % len(questions)] for i in range(requests)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, asked))
    wall = time.perf_counter() - t0
    return {
        "clients": clients,
        "requests": requests,
        "errors": len(errors),
        "error_samples": errors[:3],
        "throughput_per_s": round(len(times) / wall, 2),
        "latency_ms": spread(times),
        "wall_s": round(wall, 1),
        "load": load(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--requests", type=int, default=48, help="extractive requests per level and client kind")
    parser.add_argument("--local-requests", type=int, default=4, help="local-model requests per level")
    parser.add_argument("--local-levels", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    items = load_answer_items(ROOT / "evals" / "answers.jsonl")
    questions = [i.question for i in items if not i.history]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_app(port)
    result: dict = {"memory_mb": {"started": tree_rss_mb(proc.pid)}, "extractive": {}, "local": {}}
    try:
        via_api(url, questions[0], "extractive")  # warm-up: the retriever and embedder are loaded
        result["memory_mb"]["after_first_answer"] = tree_rss_mb(proc.pid)
        for kind, call in (("api", via_api), ("gradio", via_gradio)):
            result["extractive"][kind] = []
            for clients in args.levels:
                requests = max(args.requests, clients)
                result["extractive"][kind].append(level(call, url, questions, clients, requests, "extractive"))
                print(f"extractive {kind} {clients}: {result['extractive'][kind][-1]}", file=sys.stderr)
        if args.local_requests:
            via_api(url, questions[1], "local")  # loads the model
            result["memory_mb"]["with_model"] = tree_rss_mb(proc.pid)
            for kind, call in (("api", via_api), ("gradio", via_gradio)):
                result["local"][kind] = []
                for clients in args.local_levels:
                    requests = max(args.local_requests, clients)
                    result["local"][kind].append(level(call, url, questions[5:], clients, requests, "local"))
                    print(f"local {kind} {clients}: {result['local'][kind][-1]}", file=sys.stderr)
        peak = Path(f"/proc/{proc.pid}/status").read_text().splitlines()
        result["memory_mb"]["server_peak"] = next(int(x.split()[1]) // 1024 for x in peak if x.startswith("VmHWM"))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    save("concurrency", result, "python " + " ".join(["benchmarks/concurrency.py", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
