"""Soak test: many questions through the HTTP API from concurrent clients against a real `assistant ui`.

    python benchmarks/soak.py [--questions 500] [--clients 8] [--generator extractive|local|openai]
                              [--distinct N] [--chroma-server] [--data-dir data]

It starts the server on a spare loopback port (rate limit off for this one client address), asks each
distinct development question once alone by both routes (the reference replies, and the server's warm-up),
then asks --questions questions from --clients threads at once, alternating POST /api/ask and
POST /v1/chat/completions. With --chroma-server it first starts `chroma run` on 127.0.0.1, ingests into
it and serves `assistant ui` against it (CHROMA_HOST / CHROMA_PORT), as a deployment with a shared store would.

It fails (exit 1) on any error, on a mixed-up reply (one that is another question's reference reply, or an
/api/ask reply to another question), when an LLM generator fell back to the extractive answer for more than
a tenth of the questions (the soak would then not have exercised the model), or when the server's resident
memory at the end is more than 10 % above or below what it was after the warm-up. A reply that is no
question's reference counts as a failure with the extractive generator, which is deterministic; with an LLM
it is only reported (llama.cpp's prompt cache can change a greedy decode between runs). Only development
questions are used; --distinct takes the first N of them, so a slow generator's warm-up stays short."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ui.screenshot import server  # noqa: E402

BIN = Path(sys.executable).parent


class Reply(BaseModel):
    """What a route gave for one question: compared with the reference, so it holds no timings."""

    question: str
    text: str
    cited: list[str]
    generator: str | None = None


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


def ask(client: httpx.Client, question: str, route: str, generator: str) -> Reply:
    """The reply by either route; /api/ask also says which generator wrote it (an LLM may fall back)."""
    if route == "ask":
        response = client.post("/api/ask", json={"question": question, "generator": generator})
        response.raise_for_status()
        body = response.json()
        cited = [c["paragraph"] for c in body["citations"]]
        return Reply(question=body["question"], text=body["answer"], cited=cited, generator=body["generator"])
    response = client.post(
        "/v1/chat/completions", json={"model": generator, "messages": [{"role": "user", "content": question}]}
    )
    response.raise_for_status()
    body = response.json()
    cited = [c["paragraph"] for c in body["citations"]]
    return Reply(question=question, text=body["choices"][0]["message"]["content"], cited=cited)


def _timed(client: httpx.Client, question: str, route: str, generator: str) -> tuple[Reply, float]:
    started = time.monotonic()
    reply = ask(client, question, route, generator)
    return reply, time.monotonic() - started


def judge(question: str, route: str, got: Reply, reference: dict[tuple[str, str], Reply]) -> str | None:
    """'mixed' for another question's reply, 'differs' for no question's, None for its own reference."""
    if got == reference[(question, route)]:
        return None
    others = (reply for (q, r), reply in reference.items() if r == route and q != question)
    if got.question != question or any(got.text == other.text for other in others):
        return "mixed"
    return "differs"


def _median(seconds: list[float]) -> float:
    return statistics.median(seconds) if seconds else float("nan")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def chroma_server(path: Path, timeout: float = 120) -> Iterator[tuple[str, int]]:
    """`chroma run` on 127.0.0.1 and a spare port, storing in `path`, until the block ends."""
    port = _free_port()
    command = [str(BIN / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"chroma run did not listen (exit code {proc.poll()})") from None
                time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def store(args: argparse.Namespace) -> Iterator[Path]:
    """The data dir the server uses: --data-dir as it is, or (--chroma-server) a fresh one whose index lives
    in a new Chroma server, ingested by `assistant ingest` (the embedding cache of --data-dir is reused)."""
    if not args.chroma_server:
        yield args.data_dir
        return
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp, chroma_server(Path(tmp) / "chroma") as (host, port):
        os.environ.update(
            CHROMA_HOST=host, CHROMA_PORT=str(port), ASSISTANT_CACHE_DIR=str(args.data_dir.resolve() / "cache")
        )
        data = Path(tmp) / "data"
        subprocess.run([str(BIN / "assistant"), "--data-dir", str(data), "ingest"], check=True)
        yield data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=500, help="Questions asked during the soak.")
    parser.add_argument("--clients", type=int, default=8, help="Concurrent clients during the soak.")
    parser.add_argument("--generator", default="extractive", choices=["extractive", "local", "openai"])
    parser.add_argument("--distinct", type=int, default=None, help="Use the first N development questions only.")
    parser.add_argument("--chroma-server", action="store_true", help="Serve from a `chroma run` server.")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data")
    args = parser.parse_args()

    pool = questions()[: args.distinct]
    os.environ["ASSISTANT_RATE_LIMIT"] = "0"  # one address asks everything here; the limit is tested elsewhere
    with store(args) as data_dir, server(data_dir=data_dir, generator=args.generator) as url:
        pid = _server_pid(url)
        cold = rss_kib(pid)
        reference: dict[tuple[str, str], Reply] = {}
        alone: list[float] = []
        started = time.monotonic()
        with httpx.Client(base_url=url, timeout=600) as client:
            for q in pool:
                for route in ("ask", "chat"):
                    reference[(q, route)], seconds = _timed(client, q, route, args.generator)
                    alone.append(seconds)
        warm_s = time.monotonic() - started
        warm = rss_kib(pid)
        jobs = [(pool[i % len(pool)], "ask" if i % 2 == 0 else "chat") for i in range(args.questions)]

        def run(job: tuple[str, str]) -> tuple[str | None, float, str | None]:
            question, route = job
            with httpx.Client(base_url=url, timeout=600) as client:
                try:
                    got, seconds = _timed(client, question, route, args.generator)
                except Exception as exc:  # every failure is counted, none stops the soak
                    return f"error on {route} {question!r}: {type(exc).__name__}: {exc}", 0.0, None
            verdict = judge(question, route, got, reference)
            return (f"{verdict} on {route} {question!r}" if verdict else None), seconds, got.generator

        started = time.monotonic()
        with ThreadPoolExecutor(args.clients) as executor:
            results = list(executor.map(run, jobs))
        soak_s = time.monotonic() - started
        end = rss_kib(pid)

    problems = [p for p, _, _ in results if p]
    kinds = Counter(p.split(" ", 1)[0] for p in problems)
    writers = Counter(g for _, _, g in results if g) + Counter(r.generator for r in reference.values() if r.generator)
    fell_back = writers["extractive"] if args.generator != "extractive" else 0
    drift = (end - warm) / warm
    where = " against a Chroma server" if args.chroma_server else ""
    print(
        f"generator: {args.generator}{where}; distinct questions: {len(pool)}; warm-up (each asked alone, 2 routes): "
        f"{warm_s:.0f} s, median {_median(alone):.2f} s a reply"
    )
    print(
        f"soak: {len(jobs)} questions from {args.clients} clients in {soak_s:.0f} s ({len(jobs) / soak_s:.2f} per s, "
        f"median {_median([s for p, s, _ in results if not p or not p.startswith('error')]):.2f} s a reply); "
        f"errors {kinds['error']}, mixed-up replies {kinds['mixed']}, replies unlike the question's alone "
        f"{kinds['differs']}"
    )
    print("answers written by (/api/ask): " + ", ".join(f"{g} {n}" for g, n in writers.most_common()))
    print(
        f"server RSS: {cold / 1024:.0f} MiB at start, {warm / 1024:.0f} MiB after warm-up, "
        f"{end / 1024:.0f} MiB at the end ({drift:+.1%} since warm-up)"
    )
    for p in problems[:20]:
        print("  " + p)
    tolerated = kinds["differs"] if args.generator != "extractive" else 0
    asked = sum(writers.values())
    ok = len(problems) == tolerated and abs(drift) <= 0.10 and fell_back <= asked / 10
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
