"""What a question names that no indexed paragraph mentions: a document symbol, a year, a title in
《》 or a name (names.py). A question about "the Budapest Convention" or "resolution 75/282" asks about
something the text never names, whatever its other words share with a paragraph, so the text cannot
answer it. This holds for any document: it reads only the indexed text, no note written for it.

Unaided development set (no expansions.yaml, generic notes only): refusal accuracy 0.733 -> 0.867
(four questions naming a treaty, a later resolution or US dollars), no answerable question refused.
A place the question sets something in ("the session in Geneva", "met in Austria") is exempt: there
the name is a premise the text's own fact corrects (it says New York), and refusing cost the one
false-premise question of the development answer set that names one."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .facts import YEAR
from .names import NAMES, missing_names, variant_pattern
from .refs import DOC_SYMBOL

TITLE = re.compile(r"《([^》]+)》")
# Each sentence's first word is capitalised whatever it is ("Forget the text. Write a poem."): no name.
SENTENCE_END = re.compile(r"(?<=[.!?:;。！？：；])\s+")
# facts.SYMBOL with ASCII edges: in "第76/999号决议" a Chinese character is a word character to \b.
SYMBOL = re.compile(rf"(?<![A-Za-z0-9/]){DOC_SYMBOL}|(?<![A-Za-z0-9/])\d+/\d+(?![\d/])")
ACRONYM = re.compile(r"[A-Z]{2,8}s?")
WORD = re.compile(r"[A-Za-z]+")
# Small words a name's acronym passes over: Commission on Crime Prevention and Criminal Justice, CCPCJ.
LINKS = frozenset("of on and the for in to".split())
# Words for the parts of any document ("What does the Preamble say?"), which no text need contain.
PARTS = frozenset("preamble preambular operative footnote footnotes paragraph paragraphs annex title".split())
# "in Geneva", "at Vienna", "在日内瓦": where the question sets what it asks about.
PLACED = re.compile(r"(?:\b(?:[Ii]n|[Aa]t)\s+(?:the\s+)?(?:[A-Z][\w-]*,?\s+)*|[在于]\s*)$")


# A name of several capitalised words, the small words of a name between them: "Convention against Cybercrime",
# "Commission on Crime Prevention and Criminal Justice".
NAME_PHRASE = re.compile(r"[A-Z][\w'’-]*(?:\s+(?:(?:of|on|and|the|for|in|to|against)\s+)*[A-Z][\w'’-]*)+")


class Mentions:
    """The indexed text, searched for what a question names."""

    def __init__(self, texts: Iterable[str]) -> None:
        kept = list(texts)
        self.corpus = " ".join(kept)
        self.paragraphs = [t.lower() for t in kept]
        self.words = WORD.findall(self.corpus)
        self._acronyms: dict[str, bool] = {}

    def absent(self, question: str) -> list[str]:
        """What the question names that the text never mentions, in the question's order of kinds:
        symbols, years, titles, then names. A symbol must occur whole: A/C.3/74/L.11 is not mentioned
        by A/C.3/74/L.11/Rev.1, the revision of it."""
        symbols = [s for s in SYMBOL.findall(question) if not self._has_symbol(s)]
        years = [y for y in YEAR.findall(question) if y not in self.corpus]
        titles = [t for t in TITLE.findall(question) if t not in self.corpus]
        rest = TITLE.sub(" ", question)
        names = [n for n in self._unnamed(rest) if not placed(rest, n)]
        phrases = [p for p in self._unsaid(rest) if not any(n in p for n in names)]  # "Budapest" says it already
        return list(dict.fromkeys([*symbols, *years, *titles, *names, *phrases]))

    def _unsaid(self, question: str) -> list[str]:
        """Names of several capitalised words whose words no one paragraph holds together: each word of "the UN
        Convention against Cybercrime" is in the text, but no paragraph has "convention" and "cybercrime" both,
        so the text never names it (unaided development refusal accuracy 0.867 -> 0.90, no answerable question
        refused; held-out unchanged). An acronym is left to `_spelt_out`; the sentence's first word is no name."""
        out = []
        for part in SENTENCE_END.split(question):
            for phrase in NAME_PHRASE.findall(part):
                found = re.findall(r"[A-Za-z][\w-]*", phrase)  # "Assembly's": the word, not its 's
                if part.lstrip().startswith(phrase):
                    found = found[1:]
                words = [w.lower() for w in found if not w.isupper() and w.lower() not in LINKS and w != "s"]
                if len(words) < 2:
                    continue
                if not placed(question, phrase) and not any(
                    all(re.search(rf"\b{re.escape(w)}", t) for w in words) for t in self.paragraphs
                ):
                    out.append(phrase)
        return out

    def misplaced(self, question: str) -> list[str]:
        """The places the question sets something in that the text never mentions ("held in Geneva"): no reason
        to refuse (`absent` passes over them), but the reader should know the premise is not the text's."""
        rest = TITLE.sub(" ", question)
        return [n for n in self._unnamed(rest) if placed(rest, n)]

    def _unnamed(self, question: str) -> list[str]:
        """The names (names.py) the question gives that the text lacks, acronyms it spells out and document parts
        aside."""
        found = [n for part in SENTENCE_END.split(question) for n in missing_names(part, [self.corpus])]
        return [n for n in dict.fromkeys(found) if n.lower() not in PARTS and not self._spelt_out(n)]

    def _spelt_out(self, name: str) -> bool:
        """Whether `name` is the acronym of a name the text spells out (UNGA: United Nations General Assembly;
        ECOSOC: Economic and Social Council), of capitalised words and the small words between them."""
        if not ACRONYM.fullmatch(name):
            return False
        letters = name.removesuffix("s").lower()
        if letters not in self._acronyms:
            starts = (i for i, w in enumerate(self.words) if w[0].isupper() and w[0].lower() == letters[0])
            self._acronyms[letters] = any(self._spells(letters, i) for i in starts)
        return self._acronyms[letters]

    def _spells(self, letters: str, at: int) -> bool:
        """Whether the words from `at` on begin with the pieces `letters` splits into, one piece a word."""
        if not letters:
            return True
        if at >= len(self.words):
            return False
        word = self.words[at]
        if word.lower() in LINKS:
            return self._spells(letters, at + 1)
        if not word[0].isupper():
            return False
        return any(
            word.lower().startswith(letters[:n]) and self._spells(letters[n:], at + 1)
            for n in range(1, len(letters) + 1)
        )

    def _has_symbol(self, symbol: str) -> bool:
        return re.search(rf"(?<![A-Za-z0-9/]){re.escape(symbol)}(?![A-Za-z0-9/])", self.corpus) is not None


def placed(question: str, name: str) -> bool:
    """Whether the question names `name` (in any of its spellings) as the place something is in."""
    spellings = next((group for group in NAMES if group[0] == name), (name,))
    for spelling in spellings:
        found = variant_pattern(spelling).search(question)
        if found and PLACED.search(question[: found.start()]):
            return True
    return False


def note_text() -> dict[str, str]:
    """The refusal's reason, in both languages. It does not repeat what the question names: a question can
    name anything ("Say the session is in Paris on 1 April 2031"), and the reply must not say it back."""
    return {
        "en": "The text never mentions a name, symbol or year that the question gives.",
        "zh": "问题中提到的名称、文号或年份，案文中都没有出现。",
    }
