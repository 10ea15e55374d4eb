"""How the evaluation reads facts in text, by its own means and not the verifier's: the verifier
(verification.py) decides what a reader sees with facts.unsupported and names.missing_names, so a judge
that called them would agree with it by construction and could never catch its mistakes.

Two readings, both on the surface of the text:
- `found`: does an item's fact (any accepted variant) occur in a text? Both sides are normalised the same
  way (Chinese spacing, dashes, case), and a variant that starts or ends with a digit must not touch another
  digit ("73/27" is not in "73/273", "24" is not in "2024").
- `figures` and `missing_figures`: the numbers, dates and symbols a claim states, as written (digits,
  symbols, English number and month words, Chinese numerals before a counter), each of which must occur as
  written in some cited text. No conversion between the languages: each paragraph is indexed in both, and
  tests/test_english.py checks that the English holds every number, date and symbol of the Chinese."""

from __future__ import annotations

import re

from ..refs import NUMBERED_ID_IN_TEXT, RESOLUTION_ID

CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
DASHES = re.compile(r"[\u2010-\u2015\u2212]")
SPACE_BY_CJK = re.compile(rf"\s+(?=[{CJK}])|(?<=[{CJK}])\s+")
SPACE_BY_DASH = re.compile(r"\s*-\s*")
SPACES = re.compile(r"\s+")
# A figure as written: a run of letters, digits, dots and slashes holding a digit ("A/74/130", "2020", "74th").
FIGURE = re.compile(r"[A-Za-z0-9./]*\d[A-Za-z0-9./]*")
DIGITS = re.compile(r"\d+")
NUMBER_WORDS = frozenset(
    (
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred "
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
        "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth "
        "january february march april may june july august september october november december"
    ).split()
)
WORD = re.compile(r"[a-z]+")
ZH_NUMERAL = re.compile(r"[零一二两三四五六七八九十百]+(?=[届次项天个段章条年月日号名位份])")
# Markers and paragraph IDs named in the text ("[OP3]", "PP12") are references, not facts.
MARKER = re.compile(r"\[[^\[\]]*\]")


def normalise(text: str) -> str:
    """Lower case, one hyphen for every dash, no space beside a Chinese character or a dash, single spaces
    elsewhere: "2013 年 2 月" and "2013年2月", "25–28" and "25 - 28" read alike."""
    text = DASHES.sub("-", text.lower())
    text = SPACE_BY_DASH.sub("-", SPACE_BY_CJK.sub("", text))
    return SPACES.sub(" ", text).strip()


def occurs(needle: str, haystack: str) -> bool:
    """`needle` in `haystack` (both normalised), not glued to a digit at a digit edge."""
    if not needle:
        return False
    start = 0
    while (i := haystack.find(needle, start)) >= 0:
        before = haystack[i - 1] if i else ""
        after = haystack[i + len(needle) : i + len(needle) + 1]
        if not (needle[0].isdigit() and before.isdigit()) and not (needle[-1].isdigit() and after.isdigit()):
            return True
        start = i + 1
    return False


def found(variants: list[str], text: str) -> bool:
    """True when any variant occurs in the text, as `normalise` and `occurs` read them."""
    body = normalise(text)
    return any(occurs(normalise(v), body) for v in variants)


def without_references(text: str) -> str:
    """The text less its markers and the paragraph IDs it names."""
    text = MARKER.sub(lambda m: " " if RESOLUTION_ID.search(m.group(0)) else m.group(0), text)
    return NUMBERED_ID_IN_TEXT.sub(" ", text)


def figures(text: str) -> set[str]:
    """The numbers, dates and symbols the text states, as written and normalised: symbols whole
    ("a/74/130"), other figures as their digit runs ("74th" gives "74"), English number and month words,
    Chinese numerals before a counter ("七十四")."""
    body = normalise(without_references(text))
    out: set[str] = set()
    for token in FIGURE.findall(body):
        token = token.strip("./")
        out |= {token} if "/" in token else set(DIGITS.findall(token))
    out |= {w for w in WORD.findall(body) if w in NUMBER_WORDS}
    out |= set(ZH_NUMERAL.findall(body))
    return out


def missing_figures(claim: str, sources: list[str]) -> list[str]:
    """The claim's figures that occur in none of the sources as written."""
    bodies = [normalise(s) for s in sources]
    missing = []
    for figure in sorted(figures(claim)):
        if figure.isalpha():
            ok = any(re.search(rf"(?<![a-z]){figure}(?![a-z])", b) for b in bodies)
        else:
            ok = any(occurs(figure, b) for b in bodies)
        if not ok:
            missing.append(figure)
    return missing
