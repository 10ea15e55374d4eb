"""Soak test: many questions through the HTTP API from concurrent clients against a real `assistant ui`.

    python benchmarks/soak.py [--questions 500] [--clients 8] [--generator extractive] [--data-dir data]

It starts the server on a spare loopback port (rate limit off for this one client address), asks each
distinct development question once alone (the reference reply, and the server's warm-up), then asks
--questions questions from --clients threads at once, alternating POST /api/ask and
POST /v1/chat/completions. It fails (exit 1) on any error, on any reply that is not the reference
reply of its own question (a lost or mixed-up answer), or when the server's resident memory at the end
is more than 10 % above or below what it was after the warm-up. Only development questions are used."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ui.screenshot import server  # noqa: E402


def questions() -> list[str]:
    """Distinct questions of the development sets (never the held-out ones), in file order."""
    seen: dict[str, None] = {}
    for name in ("answers.jsonl", "retrieval.jsonl"):
        for line in (ROOT / "evals" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                seen.setdefault(json.loads(line)["question"], None)
    return list(seen)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def ask(client: httpx.Client, question: str, route: str, generator: str) -> tuple[str, str, list[str]]:
    """(question as the server read it, reply text, cited paragraphs) by either route."""
    if route == "ask":
        response = client.post("/api/ask", json={"question": question, "generator": generator})
        response.raise_for_status()
        body = response.json()
        return body["question"], body["answer"], [c["paragraph"] for c in body["citations"]]
    response = client.post(
        "/v1/chat/completions", json={"model": generator, "messages": [{"role": "user", "content": question}]}
    )
    response.raise_for_status()
    body = response.json()
    return question, body["choices"][0]["message"]["content"], [c["paragraph"] for c in body["citations"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--generator", default="extractive", choices=["extractive", "local", "openai"])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data")
    args = parser.parse_args()

    pool = questions()
    os.environ["ASSISTANT_RATE_LIMIT"] = "0"  # one address asks everything here; the limit is tested elsewhere
    with server(data_dir=args.data_dir, generator=args.generator) as url:
        pid = _server_pid(url)
        cold = rss_kib(pid)
        with httpx.Client(base_url=url, timeout=600) as client:
            started = time.monotonic()
            reference = {}
            for q in pool:
                read, text, cited = ask(client, q, "ask", args.generator)
                _, chat_text, chat_cited = ask(client, q, "chat", args.generator)
                reference[q] = {"ask": (read, text, cited), "chat": (q, chat_text, chat_cited)}
            warm_s = time.monotonic() - started
        warm = rss_kib(pid)
        jobs = [(pool[i % len(pool)], "ask" if i % 2 == 0 else "chat") for i in range(args.questions)]

        def run(job: tuple[str, str]) -> str | None:
            question, route = job
            with httpx.Client(base_url=url, timeout=600) as client:
                try:
                    got = ask(client, question, route, args.generator)
                except Exception as exc:  # every failure is counted, none stops the soak
                    return f"error on {route} {question!r}: {type(exc).__name__}: {exc}"
            if got != reference[question][route]:
                return f"mismatch on {route} {question!r}"
            return None

        started = time.monotonic()
        with ThreadPoolExecutor(args.clients) as executor:
            problems = [p for p in executor.map(run, jobs) if p]
        soak_s = time.monotonic() - started
        end = rss_kib(pid)

    drift = (end - warm) / warm
    print(
        f"generator: {args.generator}; distinct questions: {len(pool)}; warm-up (each asked alone, 2 routes): "
        f"{warm_s:.0f} s"
    )
    print(
        f"soak: {len(jobs)} questions from {args.clients} clients in {soak_s:.0f} s "
        f"({len(jobs) / soak_s:.1f} per s); errors and mismatches: {len(problems)}"
    )
    print(
        f"server RSS: {cold / 1024:.0f} MiB at start, {warm / 1024:.0f} MiB after warm-up, "
        f"{end / 1024:.0f} MiB at the end ({drift:+.1%} since warm-up)"
    )
    for p in problems[:20]:
        print("  " + p)
    ok = not problems and abs(drift) <= 0.10
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def _server_pid(url: str) -> int:
    """The process listening on the server's port (the `assistant ui` child of `server`)."""
    port = int(url.rsplit(":", 1)[1])
    inode = next(
        line.split()[9]
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
        if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A"
    )
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if any(os.readlink(fd) == f"socket:[{inode}]" for fd in (proc / "fd").iterdir()):
                    return int(proc.name)
            except OSError:
                continue
    raise RuntimeError(f"no process listens on port {port}")


if __name__ == "__main__":
    sys.exit(main())
