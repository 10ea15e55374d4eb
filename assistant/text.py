"""Text primitives shared by the generators, the verifier and the support judge: which language a
question is in, where sentences and clauses end, which markers a sentence carries, which sentences
make one claim, and which span of a paragraph best answers a probe.

They live here, not in the verifier, so that a generator quotes and the judge reads an answer exactly
as the verifier does, without either depending on the verifier."""

from __future__ import annotations

import re

from .facts import facts
from .lexical import tokenize
from .models import Lang
from .refs import DOC_KEY, MARKER, RESOLUTION_ID

IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")
SENTENCE_END = re.compile(
    r"(?<=[。！？!?])(?![”\]])|(?<=\.)(?<!chap\.)(?<!sect\.)(?<!No\.)(?<!\d\.)\s+(?=[A-Z“(\u4e00-\u9fff-])|\n+"
)
QUOTATION = re.compile(r"“[^”]*”")
# Markers after a sentence's stop, and a second stop after them ("2020. [OP3].") that would be left alone.
TRAILING_MARKERS = re.compile(r"([。！？.!?])\s*((?:\[[^\[\]]+\]\s*)+)[。.]?")
# An abbreviation's full stop ends no clause: "Supplement No. 10", "chap. I, sect. D" in the footnotes'
# references were cut into "Supplement No" and "10 (E/2013/30)", each stating half the reference.
ABBREVIATION = r"(?<!\bNo\.)(?<!\bchap\.)(?<!\bsect\.)(?<!\bpara\.)(?<!\bparas\.)(?<!\bRev\.)(?<!\bAdd\.)(?<!\bCorr\.)"
CLAUSE = {"zh": re.compile(r"(?<=[，；。：])"), "en": re.compile(r"(?<=[,;:.])" + ABBREVIATION + r"\s+")}
SHORT_PARAGRAPH = 260  # characters of Chinese: quoted whole; longer paragraphs by their best clauses
ASCII_WORD = re.compile(r"[A-Za-z0-9]")
QUESTION_END = re.compile(r"(?<=[。！？!?.；;])\s*|(?<=[）)])")


def detect_language(text: str) -> Lang:
    """Chinese when ideographs carry the question; anything else is answered in English."""
    ideographs = len(IDEOGRAPH.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if ideographs and ideographs * 3 >= latin else "en"


def markers(text: str) -> list[str]:
    """Paragraph IDs cited in `text`, in order, from markers like [OP3] or [PP6, FN1]."""
    found: list[str] = []
    for group in MARKER.findall(text):
        for item in re.split(r"[,;，；、]+", group.strip()):
            tokens = [item.strip()] if DOC_KEY.fullmatch(item.strip()) else re.split(r"\s+", item.strip())
            for token in tokens:
                if (RESOLUTION_ID.fullmatch(token) or DOC_KEY.fullmatch(token)) and token not in found:
                    found.append(token)
    return found


def strip_markers(text: str) -> str:
    return MARKER.sub(lambda m: "" if markers(m.group(0)) else m.group(0), text).strip()


def sentences(text: str) -> list[str]:
    """Answer sentences, each keeping its markers, also those written after its full stop."""
    text = TRAILING_MARKERS.sub(lambda m: " " + m.group(2).strip() + m.group(1) + " ", text)
    quoted: list[str] = []

    def hide(match: re.Match) -> str:  # a quotation is never split, whatever stops it contains
        quoted.append(match.group(0))
        return f"\x00{len(quoted) - 1}\x00"

    hidden = QUOTATION.sub(hide, text)
    parts = [s.strip() for s in SENTENCE_END.split(hidden) if s and s.strip()]
    return [re.sub(r"\x00(\d+)\x00", lambda m: quoted[int(m.group(1))], p) for p in parts]


def claims(parts: list[str]) -> list[str]:
    """A marker covers the unmarked sentences just before it on its line ("X. Y [OP3]." cites OP3
    for both); the facts of each claim are still checked against what it cites."""
    found: list[str] = []
    pending = ""
    for part in parts:
        pending = f"{pending} {part}".strip() if pending else part
        if markers(part):
            found.append(pending)
            pending = ""
    return found + ([pending] if pending else [])


def clauses(text: str, lang: str) -> list[str]:
    """The clauses of `text`, a title in quotation marks never cut: PP15's “促进技术援助和能力建设…，包括信息
    共享” is one clause's, else a statement quoting its first half states a title that is not the text's."""
    out: list[str] = []
    for piece in CLAUSE[lang].split(text):
        if out and _open_quote(out[-1]):
            out[-1] = f"{out[-1]}{'' if lang == 'zh' else ' '}{piece}"
        elif piece.strip():
            out.append(piece)
    return out


def _open_quote(text: str) -> bool:
    return text.count("“") > text.count("”") or text.count("《") > text.count("》") or text.count('"') % 2 == 1


def best_span(text: str, lang: str, probe: str) -> str:
    """The clause run of `text` that shares most with `probe` (facts first, then words), verbatim."""
    parts = clauses(text, lang)
    if len(parts) <= 2:
        return text
    want_facts, want_words = facts(probe), set(tokenize(probe))
    scored = [(2 * len(facts(p) & want_facts) + len(set(tokenize(p)) & want_words), i) for i, p in enumerate(parts)]
    score, i = max(scored)
    if score == 0:
        return text
    j = i + 1
    while j < len(parts) and not re.search(r"[。；.;]\s*$", parts[j - 1]) and j - i < 3:
        j += 1
    return "".join(parts[i:j]).strip() if lang == "zh" else " ".join(p.strip() for p in parts[i:j])


def join_lines(parts: list[str]) -> str:
    """Join PDF lines the way the UN Chinese text is spaced: nothing between Chinese characters,
    one space between a Chinese ideograph and a Latin letter or digit."""
    out = ""
    for part in parts:
        if out and part and _needs_space(out[-1], part[0]):
            out += " "
        out += part
    return out


def _needs_space(left: str, right: str) -> bool:
    return bool(
        (ASCII_WORD.match(left) and IDEOGRAPH.match(right)) or (IDEOGRAPH.match(left) and ASCII_WORD.match(right))
    )


def interrogative(question: str) -> str:
    """The sentences that ask (end in a question mark), which decide whether the text covers a
    question; what precedes them (context, quoted claims, injected instructions) does not."""
    parts = [p.strip() for p in QUESTION_END.split(question) if p.strip()]
    asking = [p for p in parts if p[-1] in "?？"]
    return " ".join(asking) if asking and len(asking) < len(parts) else question
