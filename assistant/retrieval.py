"""Hybrid retrieval: dense (E5 in Chroma) and BM25, fused by reciprocal rank fusion, returned as
one hit per paragraph carrying its Chinese text and its English rendering.

Only documents with a positive BM25 score enter the fusion: a zero-score tail is an arbitrary
order, and fusing it drags down what the dense ranking got right (English R@1 0.67 -> 0.29 when
measured)."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import numpy as np
from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables.config import run_in_executor
from pydantic import ConfigDict, PrivateAttr

from .errors import BadInput
from .facts import SYMBOL, YEAR
from .lexical import BM25, Scores, Vocabulary, function_bigrams, tokenize
from .mentions import Mentions, note_text
from .models import Chunk, Hit, Texts
from .references import missing_note, named_paragraphs, without_self_reference
from .refs import RESOLUTION, Ref, scope_id
from .rerank import Judge, ModelJudge, backend, rerank
from .settings import Settings
from .store import Store
from .text import detect_language, interrogative

log = logging.getLogger(__name__)


def clean_query(question: str, max_chars: int) -> tuple[str, str | None]:
    """Returns the query to search and a warning for the user, if any."""
    text = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
    if not text:
        raise BadInput("The question is empty: type a question about the resolution.")
    if len(text) > max_chars:
        return text[:max_chars], f"The question was {len(text)} characters long; only the first {max_chars} were used."
    return text, None


def paragraph_count(k: object, default: int) -> int:
    """The `k` a caller passed to `invoke`, checked: LangChain's retrievers take it as the number of
    documents wanted, and a chain passing 0 or "3" should hear so, not get an arbitrary count."""
    if k is None:
        return default
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise BadInput(f"k must be a whole number of paragraphs, at least 1; got {k!r}.")
    return k


def first_ranks(chunk_ids: list[str], chunks: dict[str, Chunk]) -> list[tuple[str, str]]:
    """Collapse a chunk ranking into a paragraph ranking: each paragraph at its best chunk's place."""
    seen: dict[tuple[str, str], None] = {}
    for cid in chunk_ids:
        c = chunks[cid]
        seen.setdefault((c.doc, c.paragraph), None)
    return list(seen)


def anchored(question: str, hits: list[Hit]) -> bool:
    """The question names document symbols or years that a paragraph found holds: it is about that
    paragraph, however much its other words resemble a topic the text does not cover ("On what day
    was CCPCJ resolution 22/8 adopted?" against the note on this draft's adoption). A symbol picks
    its paragraph among the first three; a year alone, only the best one, since many paragraphs and
    catalogue entries carry a year ("the vote on 18 November 2019" is not about a report of 2019)."""
    symbols, years = set(SYMBOL.findall(question)), set(YEAR.findall(question))
    anchors = symbols | years
    candidates = hits[:3] if symbols else hits[:1]
    return bool(anchors) and any(all(a in " ".join(h.text.values()) for a in anchors) for h in candidates)


# A symbol the question names ("第 26/4 号决议") ranks the paragraphs holding it as a third list of the fusion:
# BM25 gave "26/4" no more weight than "第" and 决议, which FN2's "第 70/174 号决议，附件。" holds in few words.
# Development recall@1 zh 0.90 -> 0.94 (aided) and 0.69 -> 0.71 (unaided; en 0.74 -> 0.72), statement correct
# 0.834 -> 0.840 and 0.791 -> 0.810; held-out aided unchanged, unaided en 0.816 -> 0.842 (docs/evaluation.md).
SYMBOL_WEIGHT = 1.0


class HybridRetriever(BaseRetriever):
    """A LangChain retriever; `search` gives typed hits, `invoke` gives Documents for chains."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    settings: Settings
    store: Store
    embedder: Embeddings
    k: int = 5

    _chunks: dict[str, Chunk] = PrivateAttr(default_factory=dict)
    _order: list[str] = PrivateAttr(default_factory=list)
    _bm25: BM25 | None = PrivateAttr(default=None)
    _vocabulary: Vocabulary | None = PrivateAttr(default=None)
    _texts: dict[tuple[str, str], dict[str, str]] = PrivateAttr(default_factory=dict)
    _first: dict[tuple[str, str], Chunk] = PrivateAttr(default_factory=dict)
    # Which rows BM25 ranks paragraphs by: no scope note, and nothing a model wrote about a paragraph, which is
    # ranked by meaning only: its words are the paragraph's own plus those of any question (什么, 哪些, "What does
    # the text say"), and ranked by BM25 as well they cost unaided held-out recall@1 0.82 -> 0.76 in each
    # language (issue 19; docs/evaluation.md). Its words still count against a scope note, where they spare
    # questions a wrong refusal.
    _ranked: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros(0, dtype=bool))
    _scope_rows: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _text_rows: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _ids: dict[str, tuple[str, str]] = PrivateAttr(default_factory=dict)
    _mentions: Mentions = PrivateAttr(default_factory=lambda: Mentions([]))
    _judge: Judge | None = PrivateAttr(default=None)

    def load(self) -> HybridRetriever:
        """Read the chunks once from the store and build the BM25 index in memory."""
        chunks = sorted(self.store.chunks(), key=lambda c: (c.doc, c.paragraph, c.lang, c.part))
        self._chunks = {c.id: c for c in chunks}
        self._order = [c.id for c in chunks]
        self._bm25 = BM25([c.indexed for c in chunks])
        whole_word = getattr(self.embedder, "whole_word", None)
        self._vocabulary = Vocabulary([c.indexed for c in chunks], set(self._bm25.postings), whole_word)
        texts: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for c in chunks:
            if c.view == "text":
                texts[(c.doc, c.paragraph)][c.lang].append(c.text)
                self._first.setdefault((c.doc, c.paragraph), c)
        self._texts = {
            key: {lang: ("" if lang == "zh" else " ").join(parts) for lang, parts in by.items()}
            for key, by in texts.items()
        }
        scope = np.array([c.kind == "scope" for c in chunks], dtype=bool)
        self._ranked = ~scope & np.array([c.view != "generated" for c in chunks], dtype=bool)
        self._scope_rows, self._text_rows = np.flatnonzero(scope), np.flatnonzero(~scope)
        self._ids = {pid: (doc, pid) for doc, pid in self._first if doc == RESOLUTION and scope_id(pid) is None}
        self._mentions = Mentions(t for key, by in self._texts.items() if scope_id(key[1]) is None for t in by.values())
        by = backend(self.settings)
        self._judge = ModelJudge(self.settings, by) if by != "none" else None
        return self

    def _lexical(self) -> tuple[BM25, Vocabulary]:
        """The in-memory indexes, built from the store on first use."""
        if self._bm25 is None or self._vocabulary is None:
            self.load()
        assert self._bm25 is not None and self._vocabulary is not None  # load() sets both
        return self._bm25, self._vocabulary

    def paragraph_texts(self) -> dict[tuple[str, str], dict[str, str]]:
        """Text by language of every indexed paragraph, keyed by (doc, paragraph)."""
        self._lexical()
        return dict(self._texts)

    def texts_by_ref(self) -> Texts:
        """The same texts keyed by the reference an answer cites each paragraph by: what the judges and
        reports look a cited or gold paragraph up by, with the document kept in the key."""
        return {Ref.parse(paragraph): by for (_, paragraph), by in self.paragraph_texts().items()}

    def asks_something(self, question: str) -> bool:
        """False for a string with nothing the index or the embedder could search by (lexical.Vocabulary),
        unless it names a paragraph ("OP3")."""
        return self._lexical()[1].asks_something(question) or bool(named_paragraphs(question))

    def misplaced(self, question: str) -> list[str]:
        """The places the asking sentences set something in that no indexed paragraph mentions (mentions.py)."""
        self._lexical()
        return self._mentions.misplaced(interrogative(question))

    def search(self, question: str, k: int | None = None) -> list[Hit]:
        return self.retrieve(question, k)[0]

    def retrieve(self, question: str, k: int | None = None, asked: str | None = None) -> tuple[list[Hit], Hit | None]:
        """The paragraphs for a question, and the scope note (knowledge/scope.yaml: a topic the text
        does not cover) whose words match it at least `scope_ratio` times as well as the best
        paragraph's, if any. One BM25 pass serves both. `asked` is what a follow-up itself asks, when
        `question` also carries the conversation it follows: it alone decides the scope. (Judging it
        with the question it follows, measured: development follow-up false refusals 1/7 -> 0, but
        refusal accuracy 1.00 -> 0.97 and held-out 0.79 -> 0.71, since an out-of-scope follow-up then
        borrows the first question's match.)"""
        bm25, _ = self._lexical()
        query, _ = clean_query(question, self.settings.max_query_chars)
        k = k or self.k
        # Scope notes take no place in the paragraphs' ranking: a note ranked above a paragraph would
        # lower its fused score, and editing a note would reorder paragraphs.
        searched = without_self_reference(query)
        dense = self.store.dense(self.embedder.embed_query(searched), self.settings.dense_candidates)
        dense_ids = [cid for cid, _ in dense if self._chunks[cid].kind != "scope"]
        scores = bm25.scores(searched)
        lexical_ids = [self._order[i] for i in scores.top(self.settings.lexical_candidates, self._ranked)]
        fused: dict[tuple[str, str], float] = defaultdict(float)
        weighted = [(1.0, dense_ids), (self.settings.lexical_weight, lexical_ids)]
        if symbols := set(SYMBOL.findall(query)):
            weighted.append((SYMBOL_WEIGHT, self._holding(symbols, lexical_ids)))
        for weight, ids in weighted:
            for rank, key in enumerate(first_ranks(ids, self._chunks), start=1):
                fused[key] += weight / (self.settings.rrf_k + rank)
        best = (1.0 + self.settings.lexical_weight) / (self.settings.rrf_k + 1)
        named, missing = self._named(query)
        for key in named:
            fused[key] = best  # a paragraph the question names is the best evidence there is
        order = {key: i for i, key in enumerate(named)}
        ranked = sorted(fused.items(), key=lambda kv: (-kv[1], order.get(kv[0], len(order))))
        hits = self._with_citing([self._hit(key, score / best) for key, score in ranked[:k]])[:k]
        hits = self._citing_named(hits, named, k)
        if self._judge and not named:  # a paragraph the question names stays first
            s = self.settings
            hits = rerank(
                hits, query, detect_language(query), self._judge, s.rerank_depth, s.rerank_weight, s.rerank_margin
            )
        if missing:
            return hits, self._missing(missing)
        asked = interrogative(asked or query)
        if not named and (absent := self._mentions.absent(asked)):
            log.info("the question names what the text never mentions: %s", absent)
            return hits, self._unmentioned()
        note = self._scope_note(scores if asked == searched else bm25.scores(asked))
        if note and hits and self._covered(asked, hits):
            note = None
        if note and (named or anchored(query, hits)):  # it asks about what it names
            note = None
        return hits, note

    def _holding(self, symbols: set[str], ids: list[str]) -> list[str]:
        """The chunks of `ids` (in their order) whose paragraph's text holds every symbol the question names,
        each followed by its footnotes: "Where was resolution 22/8 published?" is answered by the footnote of
        the paragraph naming it (FN1 of PP6), which holds the record's symbol, not the resolution's."""

        def holds(cid: str) -> bool:  # a catalogue entry by its own symbol, not the others its description names
            chunk = self._chunks[cid]
            key = (chunk.doc, chunk.paragraph)
            text = chunk.paragraph if chunk.kind == "catalogue" else " ".join(self._texts[key].values())
            return all(symbol in text for symbol in symbols)

        out: list[str] = []
        for cid in ids:
            if holds(cid):
                chunk = self._chunks[cid]
                notes = [self._first[(chunk.doc, fn)].id for fn in chunk.footnotes if (chunk.doc, fn) in self._first]
                out += [cid, *notes]
        return out

    def _with_citing(self, hits: list[Hit]) -> list[Hit]:
        """A catalogue entry is the project's description of a document; the text's own words about
        it are in the paragraph that cites it, which follows it unless it is already ranked above."""
        out: dict[tuple[str, str], Hit] = {}
        for hit in hits:
            out.setdefault((hit.doc, hit.paragraph), hit)
            if hit.kind != "catalogue":
                continue
            citing = [(RESOLUTION, p) for p in hit.cited_by if (RESOLUTION, p) in self._first]
            if citing and not any(key in out for key in citing):
                out[citing[0]] = self._hit(citing[0], hit.score)
        return list(out.values())

    def _citing_named(self, hits: list[Hit], named: list[tuple[str, str]], k: int) -> list[Hit]:
        """A footnote the question names brings the paragraph citing it, last of the hits, which says what the
        footnote's documents are: "脚注 3 列出的三份报告是哪个机构编写的？" is answered by PP13 (the reports of
        the Group of Governmental Experts), not by OP1's report of the Secretary-General ranked next."""
        found = {(h.doc, h.paragraph) for h in hits}
        citing = [
            (RESOLUTION, p)
            for h in hits
            if h.kind == "footnote" and (h.doc, h.paragraph) in named
            for p in h.cited_by
            if (RESOLUTION, p) in self._first and (RESOLUTION, p) not in found
        ]
        if not citing or k < 2:  # the footnote itself stays first, and k is never exceeded
            return hits
        extra = [self._hit(key, hits[-1].score) for key in dict.fromkeys(citing)][: k - 1]
        return [*hits[: k - len(extra)], *extra]

    def _named(self, query: str) -> tuple[list[tuple[str, str]], list[str]]:
        """Paragraphs the question names (references.py): those indexed, and the first one that is not."""
        ids = named_paragraphs(query)
        return [self._ids[p] for p in ids if p in self._ids], [p for p in ids if p not in self._ids][:1]

    def _missing(self, missing: list[str]) -> Hit:
        existing = {pid for doc, pid in self._first if doc == RESOLUTION}
        text = missing_note(missing[0], existing)
        return Hit(doc=RESOLUTION, paragraph=Ref.missing(missing[0]).key, kind="scope", score=1.0, text=text)

    def _unmentioned(self) -> Hit:
        """The note for a question naming what the text never mentions (mentions.py)."""
        key = Ref.scope("unmentioned").key
        return Hit(doc=RESOLUTION, paragraph=key, kind="scope", score=1.0, text=note_text())

    def _covered(self, asked: str, hits: list[Hit]) -> bool:
        """The paragraphs found hold what the question shares with the note: with the words they hold left
        out, no note matches the question as well as a paragraph does ("决议关于人权说了什么？" shares 人权 with
        the note on NGOs' criticism, 人权观察, and PP17 holds 人权). Nor do the question's bigrams touching a
        stopword count for the note (有什 of 有什么, 些段 of 哪些段落): they are no topic (aided dev false refusals
        0.055 -> 0.049, held-out 0.064 -> 0.051). The words of every paragraph found count, not only the best
        one's (dev false refusals 0.055 -> 0.043 aided, 0.037 -> 0.031 unaided; unaided dev refusal accuracy
        0.833 -> 0.867; held-out unchanged; docs/evaluation.md)."""
        bm25, _ = self._lexical()
        held = frozenset(tokenize(" ".join(t for hit in hits for t in hit.text.values())))
        return self._scope_note(bm25.scores(asked, without=held | function_bigrams(asked))) is None

    def _scope_note(self, scores: Scores) -> Hit | None:
        (note, note_score), (_, text_score) = scores.best(self._scope_rows), scores.best(self._text_rows)
        if note is None or note_score < self.settings.scope_ratio * text_score:
            return None
        chunk = self._chunks[self._order[note]]
        return self._hit((chunk.doc, chunk.paragraph), note_score / (note_score + text_score))

    def _hit(self, key: tuple[str, str], score: float) -> Hit:
        sample = self._first[key]
        return Hit(
            doc=key[0],
            paragraph=key[1],
            kind=sample.kind,
            score=round(score, 4),
            text=self._texts[key],
            footnotes=sample.footnotes,
            cited_by=sample.cited_by,
        )

    # `invoke(query, k=3)` reaches these with k, and with invoke's other keywords (verbose), which are not ours.
    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: object = None, **_: Any
    ) -> list[Document]:
        hits = self.search(query, paragraph_count(k, self.k))
        return [Document(page_content=h.text.get("zh", ""), metadata=h.model_dump()) for h in hits]

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, k: object = None, **_: Any
    ) -> list[Document]:
        # BaseRetriever's own version drops the keywords: ainvoke(query, k=1) would fail.
        return await run_in_executor(None, self._get_relevant_documents, query, run_manager=run_manager.get_sync(), k=k)
