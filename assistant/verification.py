"""Where citations are checked, for every generator, before anything is shown.

A sentence survives only if it cites at least one retrieved paragraph, every number, date, symbol
and name in it occurs in the paragraphs it cites (in either language) and they hold a fair share of
its words. A citation that adds nothing to the others of its sentence is removed. Each citation
carries a verbatim quote of the official text and the English rendering of the quoted part."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .facts import facts, unsupported
from .lexical import tokenize
from .models import Citation, Hit, Lang
from .names import missing_names, names
from .refs import CATALOGUE, CITED_ID_IN_TEXT, DOC_SYMBOL, MARKER, Ref
from .statement import FactType, parse_question, question_parts, support, typed_spans
from .text import SHORT_PARAGRAPH, best_span, claims, clauses, detect_language, markers, sentences, strip_markers

ATTRIBUTION_OVERLAP = 0.6  # share of a claim's words a paragraph must contain to be cited for it
# Share of a claim's words that what it cites must contain at all. On the hand-labelled pairs
# (evals/support_pairs.jsonl) 0.3 keeps 86 of 87 supported sentences and drops 8 unsupported ones
# that hold all their facts and names ("The resolution establishes a human rights monitoring
# mechanism" against PP17).
CLAIM_OVERLAP = 0.3
# "The symbol of the report is [CAT:A/74/130]." A small model writes a catalogue marker as its answer.
CATALOGUE_AS_ANSWER = re.compile(rf"(\b(?:is|are|was|were)|[是为：:])\s*\[{CATALOGUE}({DOC_SYMBOL})\]")


ASKS_NUMBER = re.compile(
    r"\bhow (?:many|much|long)\b|\bwhen\b|\b(?:what|which) (?:date|day|year|month)\b"
    r"|多少|(?<![那这哪])几(?=[个届次项天年名位份票国月号])|哪一?[天年]|什么时候|何时|哪个月|日期",
    re.I,
)
NUMBERING = re.compile(r"(?<![\d.])\d{1,2}\.\s")  # "3. 又决定": a paragraph's own number, not a fact in it


def gives_asked_fact(question: str, answer: str) -> bool:
    """A question asking how many or when is only answered by a number or date that it does not
    already contain, in the answer's first line (its best evidence); quoting the nearest paragraph
    is not an answer to it."""
    if not ASKS_NUMBER.search(question):
        return True
    lines = answer.strip().splitlines() or [""]
    if len(question_parts(question, detect_language(question))) > 1:
        # "What is the committee to produce, and when does it first meet?": the date answers the second part
        return any(_new_fact(line, question) for line in lines)
    return _new_fact(lines[0], question)


def _new_fact(line: str, question: str) -> bool:
    return bool(facts(NUMBERING.sub(" ", strip_markers(line))) - facts(question))


# The fact types a model's statement is checked against the extractive one for (issue 18): a title is
# quoted whole by either, so two titles differ in words, not in a fact that can be told apart.
CHECKED_TYPES: tuple[FactType, ...] = ("date", "number", "symbol", "name")
SPANNED: tuple[FactType, ...] = ("date", "symbol")  # the types statement.typed_spans finds as spans


def typed_facts(text: str, kind: FactType) -> set[str]:
    """The facts of one type a statement states, in a form shared by both languages: the facts of its
    dates or symbols, its numbers outside them, its names by their first spelling ("纽约" is "New York")."""
    body = NUMBERING.sub(" ", strip_markers(text))
    lang = detect_language(body)
    if kind in SPANNED:
        return {f for span in typed_spans(body, lang, kind) for f in facts(span.text)}
    if kind == "number":
        inside = " ".join(span.text for k in SPANNED for span in typed_spans(body, lang, k))
        return facts(body) - facts(inside)
    return {group[0] for group in names(body)} if kind == "name" else set()


def other_fact(question: str, stated: str, extracted: str, member: bool = False) -> FactType | None:
    """The asked fact type (date, number, symbol, name) of which the model's statement `stated` gives
    another fact than the extractive statement `extracted` for the same question and evidence: each
    states a fact of that type, beyond those the question gives, that the other lacks. Both hold only
    facts of the evidence (the verifier keeps no other), so two differing facts mean the evidence holds
    several and the model chose another one than the clause holding the asked fact ("the fourth
    meeting": the third one's dates). A statement adding to the clause's facts, or stating fewer, is no
    disagreement: numbers and names are read loosely ("the Ad Hoc Committee" holds capitalised words
    the clause lacks), so only two-sided differences count. Except where `extracted` is the `member` of a
    list that the question's ordinal picks: there any further fact of the type is another member ("which
    country heads the list of sponsors?" answered with all 27)."""
    given = facts(question) | {group[0] for group in names(question)}
    for kind in (t for t in parse_question(question).types if t in CHECKED_TYPES):
        ours, theirs = typed_facts(stated, kind) - given, typed_facts(extracted, kind) - given
        if ours - theirs and (member or theirs - ours):
            return kind
    return None


def cite(hit: Hit, sentence: str) -> Citation:
    """A citation of `hit` for `sentence`: the shortest official span it rests on and the matching English
    (statement.support); a paragraph whose spans cannot be told is quoted whole when short, else by its
    clauses nearest the sentence."""
    zh, en = hit.text.get("zh", ""), hit.text.get("en", "")
    official_lang: Lang = "zh" if hit.text.get("zh") else "en"
    if not zh:  # a cited document held in English only: its English is the official text
        zh, en = en, ""
    if spans := support(zh, official_lang, en, sentence):
        quote, translation = spans
        return Citation(doc=hit.doc, paragraph=hit.paragraph, quote=quote, translation=translation, supported=True)
    if len(zh) <= SHORT_PARAGRAPH:
        return Citation(doc=hit.doc, paragraph=hit.paragraph, quote=zh, translation=en, supported=True)
    quote = best_span(zh, "zh" if hit.text.get("zh") else "en", sentence)
    translation = best_span(en, "en", sentence + " " + quote) if en else ""
    return Citation(doc=hit.doc, paragraph=hit.paragraph, quote=quote, translation=translation, supported=True)


@dataclass
class Verified:
    text: str
    citations: list[Citation] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    attributed: int = 0
    recited: int = 0


def verify(draft: str, hits: list[Hit]) -> Verified:
    """Keep the sentences whose citations point to retrieved paragraphs that contain their facts;
    the draft's line structure (bullets, paragraphs) is kept."""
    retrieved = {h.paragraph: h for h in hits}
    lines: list[str] = []
    citations: dict[str, Citation] = {}
    dropped: list[str] = []
    attributed = recited = 0
    for line in draft.splitlines():
        kept: list[str] = []
        line = CATALOGUE_AS_ANSWER.sub(_symbol_as_answer, line)
        for sentence in claims([s for s in sentences(line) if says_something(strip_markers(s))]):
            cited = [retrieved[p] for p in markers(sentence) if p in retrieved]
            body = strip_markers(sentence)
            if not markers(sentence) and (source := attribute(body, hits)):
                cited, sentence = [source], _with_marker(sentence, source.paragraph)
                attributed += 1
            elif cited and coverage(body, cited) < ATTRIBUTION_OVERLAP and (source := attribute(body, hits)):
                cited, sentence = [source], _with_marker(strip_markers(sentence), source.paragraph)
                recited += 1
            if not cited or not holds(body, cited) or coverage(body, cited) < CLAIM_OVERLAP:
                dropped.append(sentence)
                continue
            if len(needed := _needed(body, cited)) < len(cited):
                cited = needed
                sentence = _with_marker(strip_markers(sentence), ", ".join(h.paragraph for h in cited))
            if all(h.kind == "catalogue" for h in cited) and (citing := _citing(cited, retrieved, body)):
                cited = citing + cited
                sentence = _with_marker(strip_markers(sentence), ", ".join(h.paragraph for h in cited))
            kept.append(MARKER.sub(lambda m: _only_retrieved(m.group(0), retrieved), sentence))
            for hit in cited:
                citations.setdefault(hit.paragraph, cite(hit, body))
        if kept:
            lines.append(_join(kept))
    return Verified(
        text="\n".join(lines),
        citations=list(citations.values()),
        dropped=dropped,
        attributed=attributed,
        recited=recited,
    )


def _symbol_as_answer(match: re.Match) -> str:
    """The symbol itself, then the marker: the answer the model meant, still checked like any other."""
    space = " " if match.group(1)[-1].isalpha() else ""
    return f"{match.group(1)}{space}{match.group(2)} {Ref.catalogue(match.group(2)).marker}"


def says_something(body: str) -> bool:
    """False for a 'sentence' that only names paragraphs ("PP12", "见 PP8。") or holds no word or fact
    ("，在。"): small models write IDs and fragments as their answer, and neither is a claim anyone
    can check."""
    rest = CITED_ID_IN_TEXT.sub(" ", body)
    return bool(re.sub(r"[\W_见参]+", "", rest)) and bool(tokenize(rest) or facts(rest))


def coverage(claim: str, cited: list[Hit]) -> float:
    """Share of the claim's words that the cited paragraphs contain, in either language."""
    words = set(tokenize(claim))
    found = set(tokenize(" ".join(t for h in cited for t in h.text.values())))
    return len(words & found) / len(words) if words else 1.0


def holds(claim: str, cited: list[Hit]) -> bool:
    """Every number, date, symbol and name of the claim occurs in the cited paragraphs, in either language.
    Paragraph IDs in it ("According to PP14, ...") are references, not names."""
    texts = [t for h in cited for t in h.text.values()]
    return not unsupported(claim, texts) and not missing_names(CITED_ID_IN_TEXT.sub(" ", claim), texts)


def _needed(claim: str, cited: list[Hit]) -> list[Hit]:
    """The citations that carry the claim: one is left out when the others hold all its facts and
    names and it is the best support (most of the words) of none of the claim's clauses. A reader
    checks each cited paragraph; one that adds nothing is a paragraph read in vain, and one shared word
    is no support: "The session will be held in New York in August 2020 [PP10][OP3]" kept PP10, the
    expert group's meetings, for the word "held" alone."""
    parts = clauses(claim, detect_language(claim)) or [claim]
    best = {id(max(cited, key=lambda h: coverage(part, [h]))) for part in parts}
    kept = list(cited)
    for hit in cited:
        rest = [h for h in kept if h is not hit]
        if rest and id(hit) not in best and holds(claim, rest):
            kept = rest
    return kept


def attribute(claim: str, hits: list[Hit]) -> Hit | None:
    """The retrieved paragraph that a claim without markers restates: it holds all the claim's facts
    and most of its words. Small models often forget markers; the claim is still checked."""
    words = set(tokenize(claim))
    if len(words) < 2:
        return None
    best, best_share = None, ATTRIBUTION_OVERLAP
    for hit in hits:
        if not holds(claim, [hit]):
            continue
        if (share := coverage(claim, [hit])) >= best_share:
            best, best_share = hit, share
    return best


def _citing(catalogue: list[Hit], retrieved: dict[str, Hit], claim: str) -> list[Hit]:
    """The retrieved paragraphs of the text that cite these catalogue entries and hold the claim as
    well: a reader checks the resolution's own words first, the project's description second."""
    found: list[Hit] = []
    for entry in catalogue:
        for pid in entry.cited_by:
            hit = retrieved.get(pid)
            if hit and coverage(claim, [hit]) >= ATTRIBUTION_OVERLAP and holds(claim, [hit]) and hit not in found:
                found.append(hit)
    return found


def _with_marker(sentence: str, pid: str) -> str:
    match = re.search(r"[。！？.!?]$", sentence)
    return f"{sentence[: match.start()].rstrip()} [{pid}]{match.group(0)}" if match else f"{sentence} [{pid}]"


def _only_retrieved(marker: str, retrieved: dict[str, Hit]) -> str:
    ids = [p for p in markers(marker) if p in retrieved]
    return f"[{', '.join(ids)}]" if ids else ("" if markers(marker) else marker)


def _join(kept: list[str]) -> str:
    """Sentences of one line: a space after Latin text, none between Chinese sentences."""
    out = kept[0]
    for sentence in kept[1:]:
        out += ("" if re.search(r"[。！？]$", out) and not re.match(r"[A-Za-z]", sentence) else " ") + sentence
    return out
