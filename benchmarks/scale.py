"""Scale: the resolution inside deterministic haystacks of 1k, 10k and 100k generated paragraphs
(benchmarks/corpus.py), through the product's own ingest and retriever. Per size: ingest time and
throughput, a second ingest of the unchanged corpus, index size on disk, retriever start-up, memory,
search latency over repeated passes, and recall@1/@3 on the real questions (development set; the
held-out set only in aggregate), with the embedded store or a Chroma server (`chroma run`).

Vectors: `--vectors real` embeds every generated paragraph with the bundled E5; `composed` embeds the
clause pool once and gives each paragraph the mean of its clauses' vectors (corpus.ComposedEmbeddings),
which is what makes 100k possible on two shared cores. Indexes and caches live in data/bench/ and are
reused: a second run of the same size only measures the queries (`--fresh` rebuilds)."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import BENCH_DATA, RESULTS, ROOT, du_mb, free_port, load, rss_mb, save, spread, wait_port
from corpus import ComposedEmbeddings, generated
from tqdm import tqdm

from assistant.embeddings import E5Embeddings
from assistant.evals.evaluation import load_items
from assistant.evals.suite import TimedSearch, run_retrieval
from assistant.indexing import make_store
from assistant.knowledge import build_chunks
from assistant.knowledge import load as load_knowledge
from assistant.retrieval import HybridRetriever
from assistant.settings import Settings

EVALS = ROOT / "evals"


def cached_vectors(settings: Settings) -> int:
    import sqlite3

    if not settings.embedding_cache.exists():
        return 0
    with sqlite3.connect(settings.embedding_cache) as db:
        return db.execute("SELECT count(*) FROM vectors").fetchone()[0]


def chroma_server(path: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_port(port, proc)
    return proc, port


def ingest(settings: Settings, chunks, embedder) -> dict:
    store = make_store(settings)
    before = cached_vectors(settings)
    bar = tqdm(total=len(chunks), desc=f"ingest {settings.data_dir.name}", unit="chunk", file=sys.stderr)
    t0 = time.perf_counter()
    report = store.ingest(chunks, embedder, progress=lambda done, total: bar.update(done - bar.n))
    first = time.perf_counter() - t0
    bar.close()
    t0 = time.perf_counter()
    again = make_store(settings).ingest(chunks, embedder)
    second = time.perf_counter() - t0
    return {
        "chunks": len(chunks),
        "added": report.added,
        "seconds": round(first, 1),
        "chunks_per_s": round(report.added / first, 1) if report.added else None,
        "texts_embedded": cached_vectors(settings) - before,
        "reingest_unchanged": {"added": again.added, "kept": again.kept, "seconds": round(second, 2)},
        "load": load(),
    }


def measure(n: int, vectors: str, server: bool, rounds: int, fresh: bool, previous: dict | None) -> dict:
    """`previous`: the result of the run that built this index; its ingest figures are kept and only
    the queries are measured again."""
    name = f"{vectors}-{n}" + ("-server" if server else "")
    data_dir = BENCH_DATA / name
    if fresh:
        shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    proc = None
    overrides: dict = {"data_dir": data_dir, "cache_dir": BENCH_DATA / f"cache-{vectors}"}
    if server:
        proc, port = chroma_server(data_dir / "server")
        overrides |= {"chroma_host": "127.0.0.1", "chroma_port": port}
    settings = Settings(**overrides)
    try:
        real = E5Embeddings(settings.embed_threads, cache_path=settings.embedding_cache)
        made = generated(n)
        chunks = build_chunks(load_knowledge(settings), settings) + [c for c, _ in made]
        embedder = real
        result: dict = {"size": n, "vectors": vectors, "store": "server" if server else "embedded"}
        if previous:
            result |= {k: previous[k] for k in ("clause_pool_seconds", "ingest", "index_mb") if k in previous}
        else:
            if vectors == "composed":
                embedder = ComposedEmbeddings(real, {c.indexed: clauses for c, clauses in made})
                t0 = time.perf_counter()
                embedder.warm()
                result["clause_pool_seconds"] = round(time.perf_counter() - t0, 1)
            result["ingest"] = ingest(settings, chunks, embedder)
            result["index_mb"] = du_mb(data_dir / ("server" if server else "chroma"))
        result["embed_threads"] = settings.embed_threads
        t0 = time.perf_counter()
        retriever = HybridRetriever(settings=settings, store=make_store(settings), embedder=real).load()
        result["retriever_load_s"] = round(time.perf_counter() - t0, 1)
        result["memory_after_load"] = rss_mb()
        dev = run_retrieval(retriever, EVALS / "retrieval.jsonl", heldout=False)
        held = run_retrieval(retriever, EVALS / "retrieval_heldout.jsonl", heldout=True)
        result["recall"] = {"dev": dev.metrics, "heldout": held.metrics, "dev_by_lang": dev.by_lang}
        result["dev_misses"] = [m.model_dump(include={"id", "gold", "got"}) for m in dev.misses]
        timed = TimedSearch(retriever)
        asked = [item.question for item in load_items(EVALS / "retrieval.jsonl")]
        for q in asked[:10]:
            retriever.search(q)  # warm-up
        passes, cpu = [], []
        for _ in range(rounds):
            timed.times = []
            for q in asked:
                c0 = time.process_time()
                timed.search(q)
                cpu.append((time.process_time() - c0) * 1000)
            passes.append(spread(timed.times))
        result["search_cpu_ms"] = spread(cpu)  # this process's CPU time: less sensitive to the other jobs
        result["search_ms_passes"] = passes
        result["search_ms"] = {
            "median": sorted(p["median"] for p in passes)[len(passes) // 2],
            "p95": sorted(p["p95"] for p in passes)[len(passes) // 2],
        }
        result["search_stages_ms"] = stages(retriever, asked)
        result["load"] = load()
        return result
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=30)


def stages(retriever: HybridRetriever, asked: list[str]) -> dict:
    """Where a search spends its time: the query embedding, the dense query, BM25, and the rest."""
    embed, dense, lexical = [], [], []
    for q in asked:
        t0 = time.perf_counter()
        vector = retriever.embedder.embed_query(q)
        t1 = time.perf_counter()
        retriever.store.dense(vector, retriever.settings.dense_candidates)
        t2 = time.perf_counter()
        retriever._bm25.scores(q).top(retriever.settings.lexical_candidates)
        t3 = time.perf_counter()
        embed.append((t1 - t0) * 1000)
        dense.append((t2 - t1) * 1000)
        lexical.append((t3 - t2) * 1000)
    return {"embed_query": spread(embed), "dense": spread(dense), "bm25": spread(lexical)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--vectors", choices=["composed", "real"], default="composed")
    parser.add_argument("--server", action="store_true", help="a Chroma server (`chroma run`) instead of embedded")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the development questions")
    parser.add_argument("--fresh", action="store_true", help="rebuild the indexes in data/bench/")
    parser.add_argument("--queries-only", action="store_true", help="keep the ingest figures of the last run")
    args = parser.parse_args()
    for n in args.sizes:
        name = f"scale-{args.vectors}-{n}" + ("-server" if args.server else "")
        previous = json.loads((RESULTS / f"{name}.json").read_text()) if args.queries_only else None
        result = measure(n, args.vectors, args.server, args.rounds, args.fresh and not previous, previous)
        save(name, result, "python " + " ".join(["benchmarks/scale.py", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
