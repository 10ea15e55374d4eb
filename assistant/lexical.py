"""BM25 over character bigrams for Chinese and words for English.

Chinese has no spaces, and a word segmenter would need its own dictionary; overlapping character
bigrams match Chinese words well enough and cost nothing. Document symbols (A/74/130, 73/187)
stay whole, since people paste them exactly."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

TOKEN = re.compile(
    r"[A-Za-z]+(?:/[A-Za-z0-9.]+)+"  # symbols: A/74/130, E/RES/2019/19, A/C.3/74/L.11/Rev.1
    r"|\d+(?:/\d+)+"  # resolution numbers: 73/187, 22/8
    r"|[A-Za-z0-9]+(?:['’][a-z]+)?"  # words and numbers
    r"|[\u4e00-\u9fff]+"  # runs of Chinese characters
)
STOPWORDS = frozenset(
    "a an and are as at be by did do does for from has have how i in is it its of on or that the their"
    " this to was were what when where which who whom why will with about into any can".split()
    + "所 的 了 和 是 在 吗 呢 什么 哪 哪些 哪个 如何 怎么 怎样 为什么 是否 有 没有 这 那 该 其".split()
)


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


class BM25:
    """Okapi BM25 with an inverted index, so a query touches only the postings of its terms."""

    def __init__(self, docs: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths: list[int] = []
        for i, doc in enumerate(docs):
            counts = Counter(tokenize(doc))
            self.lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                self.postings[term].append((i, tf))
        n = max(len(docs), 1)
        self.avg = (sum(self.lengths) / n) or 1.0
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def scores(self, query: str) -> dict[int, float]:
        """Scores of the documents sharing a term with the query; all others score zero."""
        out: dict[int, float] = defaultdict(float)
        for term in set(tokenize(query)):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i, tf in self.postings[term]:
                norm = tf + self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg)
                out[i] += idf * tf * (self.k1 + 1) / norm
        return {i: s for i, s in out.items() if s > 0}
