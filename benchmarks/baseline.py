"""The project against the plain LangChain RAG of the tutorials, built from the same stack and measured
in the same run on the same questions.

Baseline: the resolution as two plain documents (the official Chinese, the English rendering; the
paragraphs in order, no IDs), RecursiveCharacterTextSplitter at 500 tokens (tiktoken cl100k_base, 50
overlap), Chroma through langchain-chroma with the project's own E5 embedder (never Chroma's default
function), dense similarity search only (k=4, the tutorial's default), and the same local model with
a generic "answer with sources" prompt (sources numbered [1]..[4]).

Scoring: a baseline chunk counts as every paragraph it overlaps (character spans), so recall@k asks
whether a gold paragraph is inside one of the first k chunks, and a citation [n] cites all paragraphs
of chunk n. Answers are scored with the project's own metrics (evaluation.KeyFact, evals/judge.py's ALCE
citation scores, evaluation.judge, evaluation.answer_metrics). Held-out sets are reported only in
aggregate."""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import time
from pathlib import Path

from common import BENCH_DATA, ROOT, load, save, spread
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.chain import build_chain
from assistant.evals.evaluation import AnswerItem, answer_metrics, load_answer_items, load_items
from assistant.evals.judge import SupportJudge, load_calibration
from assistant.evals.suite import ItemResult, score_answer
from assistant.knowledge import Knowledge
from assistant.knowledge import load as load_knowledge
from assistant.models import Answer, Citation, Timings
from assistant.settings import Settings
from assistant.text import markers
from assistant.tokens import count_tokens

EVALS = ROOT / "evals"
CHUNK_TOKENS, OVERLAP, K = 500, 50, 4
PROMPT = (
    "You are an assistant for question-answering tasks. Use the following pieces of retrieved context to "
    "answer the question. If you don't know the answer, just say that you don't know. Cite the sources you "
    "used with their numbers in square brackets, like [1] or [2]. Use three sentences maximum, keep the "
    "answer concise and answer in the language of the question."
)
REFUSAL = re.compile(
    r"don't know|do not know|not (?:mentioned|specified|stated|provided|contain)|does not (?:say|mention|specify|"
    r"contain|provide)|no information|不知道|没有提到|未提及|没有说明|未说明|没有提供|无法回答",
    re.I,
)


def documents(knowledge: Knowledge) -> list[tuple[Document, list[tuple[int, int, str]]]]:
    """The two plain documents and, for each, the character span of every paragraph in it."""
    ids = list(knowledge.paragraphs)
    out = []
    for lang in ("zh", "en"):
        text, spans = "", []
        for pid in ids:
            body = knowledge.text(pid, lang)
            spans.append((len(text), len(text) + len(body), pid))
            text += body + "\n\n"
        out.append((Document(page_content=text, metadata={"source": f"A/C.3/74/L.11/Rev.1 ({lang})"}), spans))
    return out


class BaselineRAG:
    """Split, embed, store and search as the LangChain RAG tutorial does; chunks know their paragraphs."""

    def __init__(self, settings: Settings, embedder, directory: Path) -> None:
        # What from_tiktoken_encoder("cl100k_base") builds, with the offline encoding (it would download it).
        splitter = RecursiveCharacterTextSplitter(
            length_function=count_tokens, chunk_size=CHUNK_TOKENS, chunk_overlap=OVERLAP, add_start_index=True
        )
        self.chunks: list[Document] = []
        for doc, spans in documents(load_knowledge(settings)):
            for chunk in splitter.split_documents([doc]):
                start = chunk.metadata["start_index"]
                if start < 0:  # the splitter could not place it (whitespace trimmed): find its head
                    start = doc.page_content.find(chunk.page_content[:80])
                end = start + len(chunk.page_content)
                chunk.metadata["paragraphs"] = ",".join(p for a, b, p in spans if a < end and b > start)
                self.chunks.append(chunk)
        self.store = Chroma(collection_name="baseline", embedding_function=embedder, persist_directory=str(directory))
        ids = [hashlib.sha1(c.page_content.encode()).hexdigest() for c in self.chunks]
        if set(self.store.get(include=[])["ids"]) != set(ids):
            self.store.reset_collection()
            self.store.add_documents(self.chunks, ids=ids)

    def search(self, question: str, k: int = K) -> list[Document]:
        return self.store.similarity_search(question, k=k)

    @staticmethod
    def paragraphs(chunk: Document) -> list[str]:
        return chunk.metadata["paragraphs"].split(",")

    def messages(self, question: str, chunks: list[Document]) -> list:
        context = "\n\n".join(f"[{n}] {c.page_content}" for n, c in enumerate(chunks, 1))
        return [SystemMessage(PROMPT), HumanMessage(f"Context:\n{context}\n\nQuestion: {question}")]


# --- retrieval ------------------------------------------------------------------------------------


def retrieval(project, baseline: BaselineRAG, path: Path) -> dict:
    """recall@1 and @3 of both on one set, and the search latency of each (same embedder)."""
    sums = {"project": [0, 0], "baseline": [0, 0]}
    times: dict[str, list[float]] = {"project": [], "baseline": []}
    words: dict[str, list[int]] = {"project": [], "baseline": []}
    items = load_items(path)
    for item in items:
        t0 = time.perf_counter()
        hits = project.search(item.question, 3)
        times["project"].append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        chunks = baseline.search(item.question, 3)
        times["baseline"].append((time.perf_counter() - t0) * 1000)
        units = {"project": [[h.paragraph] for h in hits], "baseline": [baseline.paragraphs(c) for c in chunks]}
        for name, ranked in units.items():
            sums[name][0] += bool(ranked and set(ranked[0]) & set(item.gold))
            sums[name][1] += any(set(u) & set(item.gold) for u in ranked[:3])
        words["project"].append(sum(len(h.text.get(item.lang) or h.text.get("zh", "")) for h in hits))
        words["baseline"].append(sum(len(c.page_content) for c in chunks))
    n = len(items)
    return {
        name: {
            "recall_at_1": round(r1 / n, 3),
            "recall_at_3": round(r3 / n, 3),
            "search_ms": spread(times[name]),
            "top3_characters": spread(words[name], 0),
        }
        for name, (r1, r3) in sums.items()
    } | {"n": n}


# --- answers --------------------------------------------------------------------------------------


def baseline_answer(baseline: BaselineRAG, llm, item: AnswerItem) -> tuple[str, list[list[str]], dict]:
    """The tutorial chain, streamed: the answer, the paragraphs of each source, and its timings."""
    question = " ".join([m["content"] for m in item.history if m["role"] == "user"] + [item.question])
    t0 = time.perf_counter()
    chunks = baseline.search(question)
    retrieve = time.perf_counter() - t0
    text, first = "", None
    for piece in llm.stream(baseline.messages(item.question, chunks)):
        if piece.content:
            first = first or time.perf_counter()
            text += piece.content
    end = time.perf_counter()
    timings = {
        "retrieve_ms": round(retrieve * 1000, 1),
        "first_token_ms": round(((first or end) - t0) * 1000, 1),
        "total_ms": round((end - t0) * 1000, 1),
    }
    return text, [baseline.paragraphs(c) for c in chunks], timings


def score_baseline(item: AnswerItem, text: str, sources: list[list[str]], texts, support, timings) -> ItemResult:
    """The project's metrics on a baseline answer: [n] becomes the paragraphs chunk n overlaps."""

    def expand(match: re.Match) -> str:
        cited = [
            p for n in re.findall(r"\d+", match.group(1)) if 0 < int(n) <= len(sources) for p in sources[int(n) - 1]
        ]
        return f"[{', '.join(dict.fromkeys(cited))}]" if cited else ""

    marked = re.sub(r"\[((?:\d+\s*,?\s*)+)\]", expand, text)
    refused = bool(REFUSAL.search(text)) or not text.strip()
    by_key = {ref.key: by for ref, by in texts.items()}  # markers name paragraphs by key
    cited = [p for p in dict.fromkeys(markers(marked)) if p in by_key]
    answer = Answer(
        question=item.question,
        answer=marked,
        answerable=not refused,
        language="zh" if item.lang == "zh" else "en",
        citations=[Citation(doc="", paragraph=p, quote="", translation="", supported=True) for p in cited],
        generator="baseline",
        timings=Timings(total_ms=timings["total_ms"]),
    )
    return score_answer(item, answer, texts, support)


def answers(chain, baseline: BaselineRAG, items: list[AnswerItem], generator: str, support, texts) -> dict:
    """Project and baseline answer each question in turn (the same load for both)."""
    from assistant.llm import chat_model

    llm = chat_model(chain.settings, "local")
    ours, theirs, first = [], [], {"project": [], "baseline": []}
    for n, item in enumerate(items, 1):
        t0, got_first = time.perf_counter(), None
        for part in chain.stream({"question": item.question, "history": item.history, "generator": generator}):
            got_first, answer = got_first or time.perf_counter(), part
        first["project"].append(((got_first or time.perf_counter()) - t0) * 1000)
        ours.append(score_answer(item, answer, texts, support))
        if generator == "local":
            text, sources, timings = baseline_answer(baseline, llm, item)
            first["baseline"].append(timings["first_token_ms"])
            theirs.append(score_baseline(item, text, sources, texts, support, timings))
        print(f"{generator} {n}/{len(items)} load {load()}", file=sys.stderr)
    out = {"project": summary(ours, first["project"], generator)}
    if theirs:
        out["baseline"] = summary(theirs, first["baseline"], "baseline")
    return out | {"n": len(items), "load": load()}


def summary(results: list[ItemResult], first: list[float], generator: str) -> dict:
    return {
        "metrics": answer_metrics(results),
        "total_ms": spread([r.total_ms for r in results]),
        "first_output_ms": spread(first),
        "fallbacks": sum(r.produced_by != generator and r.answerable for r in results),  # extractive wrote it
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", type=int, default=8, help="every n-th development question for the local model")
    parser.add_argument("--heldout-sample", type=int, default=0, help="every n-th held-out question (0: none)")
    parser.add_argument("--no-local", action="store_true", help="retrieval and the extractive generator only")
    args = parser.parse_args()
    settings = Settings(llm_timeout=300)  # measure the model, not the fallback a slow answer gets
    chain = build_chain(settings)
    baseline = BaselineRAG(settings, chain.retriever.embedder, BENCH_DATA / "baseline")
    texts = chain.retriever.texts_by_ref()
    support = SupportJudge(chain.retriever.embedder, texts, load_calibration(EVALS).threshold)
    result: dict = {
        "baseline": {"chunks": len(baseline.chunks), "chunk_tokens": CHUNK_TOKENS, "overlap": OVERLAP, "k": K},
        "retrieval": {},
        "answers": {},
    }
    for name, path in (("dev", "retrieval.jsonl"), ("heldout", "retrieval_heldout.jsonl")):
        result["retrieval"][name] = retrieval(chain.retriever, baseline, EVALS / path)
        result["retrieval"][name]["load"] = load()
    dev = load_answer_items(EVALS / "answers.jsonl")
    result["answers"]["extractive/dev"] = answers(chain, baseline, dev, "extractive", support, texts)
    if not args.no_local:
        result["answers"]["local/dev"] = answers(chain, baseline, dev[:: args.sample], "local", support, texts)
        if args.heldout_sample:
            held = load_answer_items(EVALS / "answers_heldout.jsonl")[:: args.heldout_sample]
            result["answers"]["local/heldout"] = answers(chain, baseline, held, "local", support, texts)
    save("baseline", result, "python " + " ".join(["benchmarks/baseline.py", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
