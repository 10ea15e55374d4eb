"""BM25 over character bigrams for Chinese and words for English.

Chinese has no spaces, and a word segmenter would need its own dictionary; overlapping character
bigrams match Chinese words well enough and cost nothing. Document symbols (A/74/130, 73/187)
stay whole, since people paste them exactly."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping

import numpy as np

from .refs import DOC_SYMBOL

TOKEN = re.compile(
    rf"(?<![A-Za-z])(?i:{DOC_SYMBOL})"  # symbols, typed in any case: A/74/130, e/res/2019/19, A/C.3/74/L.11/Rev.1
    r"|\d+(?:/\d+)+"  # resolution numbers: 73/187, 22/8
    r"|[A-Za-z0-9]+(?:['’][a-z]+)?"  # words and numbers
    r"|[\u4e00-\u9fff]+"  # runs of Chinese characters
)
STOPWORDS = frozenset(
    "a an and are as at be by did do does for from has have how i in is it its of on or that the their"
    " this to was were what when where which who whom why will with about into any can".split()
    + "所 的 了 和 是 在 吗 呢 什么 哪 哪些 哪个 如何 怎么 怎样 为什么 是否 有 没有 这 那 该 其".split()
)


ASCII_WORD = re.compile(r"[A-Za-z]+")
IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")


def _stem(word: str) -> str:
    """A light English stemmer: enough to match 'resolutions' with 'resolution'."""
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("s", ""), ("ing", ""), ("ed", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + keep
    return word


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for match in TOKEN.finditer(text):
        tok = match.group(0)
        if "\u4e00" <= tok[0] <= "\u9fff":
            grams = [tok[i : i + 2] for i in range(len(tok) - 1)] or [tok]
            tokens.extend(g for g in grams if g not in STOPWORDS)
        else:
            low = tok.lower()
            if low not in STOPWORDS:
                tokens.append(low if "/" in low else _stem(low))
    return tokens


ZH_STOPWORDS = sorted((w for w in STOPWORDS if IDEOGRAPH.match(w)), key=len, reverse=True)


def function_bigrams(text: str) -> frozenset[str]:
    """The Chinese bigrams of `text` that touch a stopword ("有什" of 有什么, "些段" of 哪些段落): tokens of
    no topic, which a question shares with any text that asks or says something."""
    out: set[str] = set()
    for run in re.findall(r"[\u4e00-\u9fff]{2,}", text):
        marked = [False] * len(run)
        for word in ZH_STOPWORDS:
            for m in re.finditer(word, run):
                marked[m.start() : m.end()] = [True] * (m.end() - m.start())
        out.update(run[i : i + 2] for i in range(len(run) - 1) if marked[i] or marked[i + 1])
    return frozenset(out)


class Scores(Mapping[int, float]):
    """BM25 scores of one query over the whole collection, read as {document index: score} of the
    documents that score above zero. Kept as one array, so taking the best few or the best of a
    subset costs numpy time, not a Python loop over every matching document (16k of 100k for a
    typical question)."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array  # not `values`: that is the Mapping method
        self._positive: np.ndarray | None = None

    @property
    def positive(self) -> np.ndarray:
        if self._positive is None:
            self._positive = np.flatnonzero(self.array > 0)
        return self._positive

    def __getitem__(self, i: int) -> float:
        if not 0 <= i < len(self.array) or self.array[i] <= 0:
            raise KeyError(i)
        return float(self.array[i])

    def __iter__(self) -> Iterator[int]:
        return iter(self.positive.tolist())

    def __len__(self) -> int:
        return len(self.positive)

    def top(self, n: int, among: np.ndarray | None = None) -> list[int]:
        """Indices of the n best-scoring documents (of those `among`, a boolean mask over all of them, marks),
        best first; ties in index order. The mask costs one lookup per scoring document, no sort."""
        candidates = self.positive if among is None else self.positive[among[self.positive]]
        if len(candidates) > n:
            cut = np.argpartition(-self.array[candidates], n - 1)[:n]
            candidates = np.sort(candidates[cut])
        order = np.argsort(-self.array[candidates], kind="stable")
        return candidates[order].tolist()

    def best(self, indices: np.ndarray) -> tuple[int | None, float]:
        """The best-scoring document among `indices` and its score; (None, 0.0) if none scores."""
        if not len(indices):
            return None, 0.0
        i = int(indices[np.argmax(self.array[indices])])
        return (i, float(self.array[i])) if self.array[i] > 0 else (None, 0.0)


class BM25:
    """Okapi BM25 with an inverted index, so a query touches only the postings of its terms. A
    posting's contribution (idf and length normalisation included) does not depend on the query,
    so it is computed once here; a query adds up a few arrays."""

    def __init__(self, docs: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        postings: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        lengths = np.zeros(len(docs), dtype=np.float64)
        for i, doc in enumerate(docs):
            counts = Counter(tokenize(doc))
            lengths[i] = sum(counts.values())
            for term, tf in counts.items():
                ids, tfs = postings[term]
                ids.append(i)
                tfs.append(tf)
        self.size = len(docs)
        self.avg = float(lengths.mean()) if len(docs) and lengths.sum() else 1.0
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, (ids, tfs) in postings.items():
            rows, freqs = np.asarray(ids, dtype=np.int32), np.asarray(tfs, dtype=np.float64)
            idf = math.log(1 + (self.size - len(ids) + 0.5) / (len(ids) + 0.5))
            norm = freqs + k1 * (1 - b + b * lengths[rows] / self.avg)
            self.postings[term] = (rows, idf * freqs * (k1 + 1) / norm)

    def scores(self, query: str, without: frozenset[str] = frozenset()) -> Scores:
        """Scores of every document; those sharing no term with the query score zero. Terms in
        `without` are left out of the query."""
        values = np.zeros(self.size, dtype=np.float64)
        for term in set(tokenize(query)) - without:
            if term in self.postings:
                rows, weights = self.postings[term]
                values[rows] += weights  # a term's rows are distinct, so fancy-index += adds each once
        return Scores(values)


class Vocabulary:
    """What the index can read in a question, to tell a question from a string that asks nothing
    ("asdfgh qwerty", "😀", "?", "1234567890", a line of U+FFFD from bytes that were not UTF-8).

    A question asks something when it holds a term, word or ideograph of the index, or a word that the
    multilingual embedder reads whole (one piece of its vocabulary: "Wer zahlt?"), or a letter of any
    other script or with a diacritic (Arabic, Cyrillic, "développement"), which is left to the embedder.
    Digits, symbols, emoji and replacement characters alone ask nothing."""

    def __init__(self, docs: list[str], terms: set[str], whole_word: Callable[[str], bool] | None = None) -> None:
        self.terms = terms
        self.words = {w.lower() for doc in docs for w in ASCII_WORD.findall(doc)} | STOPWORDS
        self.ideographs = {c for doc in docs for c in IDEOGRAPH.findall(doc)}
        self.whole_word = whole_word or (lambda word: False)

    def asks_something(self, question: str) -> bool:
        text = unicodedata.normalize("NFKC", question)
        return (
            any(t in self.terms for t in tokenize(text))
            or any(c in self.ideographs for c in IDEOGRAPH.findall(text))
            or any(self._known(w) for w in ASCII_WORD.findall(text))
            or any(_other_letter(c) for c in text)
        )

    def _known(self, word: str) -> bool:
        return word.lower() in self.words or (len(word) >= 3 and self.whole_word(word))


def _other_letter(ch: str) -> bool:
    """A letter that is neither ASCII nor an ideograph: a script the index does not hold word by word."""
    return unicodedata.category(ch).startswith("L") and not ch.isascii() and not IDEOGRAPH.match(ch)
