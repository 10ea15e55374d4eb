"""Checkable facts in text: numbers, dates and document symbols, in a form shared by Chinese and
English ("2020 年 8 月" and "August 2020" both give {2020, 8}), so an answer in one language can be
checked against a paragraph in the other."""

from __future__ import annotations

import re

from .refs import DOC_SYMBOL

SYMBOL = re.compile(rf"\b{DOC_SYMBOL}|\b\d+/\d+\b")
NUMBER = re.compile(r"\d+")
YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
MONTHS = {
    m: i
    for i, m in enumerate(
        "january february march april may june july august september october november december".split(), 1
    )
}
EN_NUMBERS = {
    w: i
    for i, w in enumerate(
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split(),
        1,
    )
}
EN_ORDINALS = {
    w: i
    for i, w in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
        "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split(),
        1,
    )
}
EN_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
ZH_NUMERAL = re.compile(r"[一二两三四五六七八九十]+(?=[届次项天个段章条委])")


def zh_numeral(text: str) -> int:
    if "十" not in text:
        return ZH_DIGITS.get(text, 0)
    tens, _, ones = text.partition("十")
    return ZH_DIGITS.get(tens, 1) * 10 + ZH_DIGITS.get(ones, 0)


# "ICTs may lead to…" names no month: lower-case "may" is the verb (formal text writes the month "May").
MODAL_MAY = re.compile(r"\bmay\b")


def _english_words(text: str) -> set[str]:
    found: set[str] = set()
    for tens, ones in re.findall(r"\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-(\w+)", text):
        unit = EN_NUMBERS.get(ones) or EN_ORDINALS.get(ones) or 0
        found.add(str(EN_TENS[tens] + unit))
    text = re.sub(r"\b(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-\w+", " ", text)
    for word in re.findall(r"[a-z]+", text):
        value = MONTHS.get(word) or EN_NUMBERS.get(word) or EN_ORDINALS.get(word)
        if value:
            found.add(str(value))
    return found


def facts(text: str) -> set[str]:
    """Symbols verbatim, plus every number however written (digits, month names, number words,
    Chinese numerals)."""
    symbols = set(SYMBOL.findall(text))
    rest = SYMBOL.sub(" ", text)
    numbers = {str(int(n)) for n in NUMBER.findall(rest)}
    numbers |= _english_words(MODAL_MAY.sub(" ", rest).lower())
    numbers |= {str(zh_numeral(m)) for m in ZH_NUMERAL.findall(rest) if zh_numeral(m)}
    return symbols | numbers


def unsupported(sentence: str, sources: list[str]) -> set[str]:
    """Facts of the sentence that none of the sources contains."""
    available: set[str] = set()
    for source in sources:
        available |= facts(source)
    return facts(sentence) - available
