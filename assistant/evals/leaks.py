"""Evaluation wording where it must not be: inside the knowledge files the retriever indexes, or in both the
development and the held-out sets.

A question copied into `knowledge/expansions.yaml` is found by BM25 word for word, so the figures measure the
copy, not retrieval (issue 18: four questions verbatim and about sixteen near-copies, committed after the sets).
Only what we write for the index is searched: the expansions, the scope notes and the catalogue's descriptions.
The paragraphs are the official text the questions are written about and cannot be edited; the catalogue's
titles and cited forms are facts quoted from the documents.

What a finding reports is the knowledge side and the item's set and id, never a question's text: a held-out
question is read only as an aggregate (docs/evaluation.md)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from ..lexical import tokenize

# Jaccard of BM25 terms (Chinese bigrams, English stemmed words, stopwords out) between a question and one
# sentence of an expansion or scope note; a copy scores above it. Over the 322,140 pairs of the sets and the
# knowledge files when this was chosen, the 99.9th percentile was 0.27 and 34 pairs scored above 0.5, the
# copies ("秘书长报告的文号是什么?" for "…是多少？"); 32 scored exactly 0.5, half the terms of a short question
# shared by another question on the same paragraph ("Who pays for the ad hoc committee?" for "Who was elected
# chair of the ad hoc committee?"); one scored between 0.45 and 0.5.
NEAR_COPY = 0.5

# Knowledge sentences end at these stops (NFKC makes ？ ； ： into ? ; :); a list of reader questions is
# split into its questions.
SEGMENT = re.compile(r"(?<=[.?!;:。])\s*")
# Fields written for the index (scope.yaml and the catalogue); others are facts or identifiers.
SCOPE_FIELDS = ("topic_en", "topic_zh", "statement_en", "statement_zh")
CATALOGUE_FIELDS = ("description_en", "description_zh")


class Question(BaseModel):
    """One evaluation question or user turn of a conversation, with where it comes from."""

    set: str  # "dev" or "heldout"
    file: str
    id: str
    text: str = Field(repr=False)  # never in a repr, so no failing test prints a held-out question
    follow_up: bool = False  # the last question of a conversation: it means something only after its turns


class Passage(BaseModel):
    """A string of a knowledge file, named by file, entry and field."""

    where: str
    text: str
    searched_for_copies: bool  # expansions and scope notes; a catalogue description only for exact copies


class Leak(BaseModel):
    where: str
    knowledge: str  # the knowledge-side sentence: safe to print
    set: str
    item: str  # file:id of the evaluation item, never its text
    score: float


def normalise(text: str) -> str:
    """NFKC, casefolded, with every punctuation mark, symbol and space removed (Chinese and English alike)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PSZC")


def questions(evals_dir: Path) -> list[Question]:
    """Every question of evals/*.jsonl and evals/incoming/*.jsonl, and every user turn of their histories.
    support_pairs.jsonl has sentences, not questions, and is not read."""
    found: list[Question] = []
    for path in sorted([*evals_dir.glob("*.jsonl"), *evals_dir.glob("incoming/*.jsonl")]):
        which = "heldout" if "heldout" in path.stem else "dev"
        name = path.relative_to(evals_dir).as_posix()
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if "question" not in item:
                continue
            turns = [t["content"] for t in item.get("history", []) if t.get("role") == "user"]
            found += [Question(set=which, file=name, id=item["id"], text=t) for t in turns]
            found.append(Question(set=which, file=name, id=item["id"], text=item["question"], follow_up=bool(turns)))
    return found


def conversation_keys(evals_dir: Path) -> dict[str, dict[str, str]]:
    """{set: {normalised conversation: file:id}}; a conversation is its user turns and its question, so the
    same follow-up after different turns is a different item."""
    keys: dict[str, dict[str, str]] = {"dev": {}, "heldout": {}}
    last: dict[tuple[str, str], list[Question]] = {}
    for q in questions(evals_dir):
        last.setdefault((q.file, q.id), []).append(q)
    for (file, item), turns in last.items():
        keys[turns[0].set][normalise(" ".join(t.text for t in turns))] = f"{file}:{item}"
    return keys


def shared(evals_dir: Path) -> list[tuple[str, str]]:
    """(development item, held-out item) pairs that ask the same thing once normalised."""
    keys = conversation_keys(evals_dir)
    return [(dev, keys["heldout"][key]) for key, dev in keys["dev"].items() if key in keys["heldout"]]


def passages(knowledge_dir: Path) -> list[Passage]:
    def load(name: str) -> dict:
        return yaml.safe_load((knowledge_dir / name).read_text(encoding="utf-8")) or {}

    found = [
        Passage(where=f"expansions.yaml:{e['id']}:{lang}", text=e[lang], searched_for_copies=True)
        for e in load("expansions.yaml").get("paragraphs", [])
        for lang in ("en", "zh")
        if e.get(lang)
    ]
    found += [
        Passage(where=f"scope.yaml:{n['id']}:{field}", text=n[field], searched_for_copies=True)
        for n in load("scope.yaml").get("notes", [])
        for field in SCOPE_FIELDS
        if n.get(field)
    ]
    found += [
        Passage(where=f"catalogue.yaml:{e['id']}:{field}", text=e[field], searched_for_copies=False)
        for e in load("catalogue.yaml").get("entries", [])
        for field in CATALOGUE_FIELDS
        if e.get(field)
    ]
    return found


def segments(text: str) -> list[str]:
    return [s for s in SEGMENT.split(unicodedata.normalize("NFKC", text).strip()) if s.strip()]


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    left, right = set(a), set(b)
    return len(left & right) / len(left | right) if left and right else 0.0


def source(knowledge_dir: Path) -> str:
    """The official text and the catalogue's facts, normalised: what a lexical question quotes."""

    def load(name: str) -> dict:
        return yaml.safe_load((knowledge_dir / name).read_text(encoding="utf-8")) or {}

    texts = [p["text"] for lang in ("zh", "en") for p in load(f"paragraphs.{lang}.yaml")["paragraphs"]]
    texts += [
        str(value)
        for entry in load("catalogue.yaml")["entries"]
        for field, value in entry.items()
        if field not in CATALOGUE_FIELDS and isinstance(value, str)
    ]
    return "\n".join(normalise(t) for t in texts)


def suspects(qs: list[Question], quoted: str) -> list[Question]:
    """The questions a knowledge string must not hold. A follow-up ("And where?") means nothing without its
    turns, which are checked themselves; a question that quotes the text or a catalogue fact ("为期三天的组织会议")
    is the source's wording, which an expansion may repeat."""
    return [q for q in qs if not q.follow_up and normalise(q.text) not in quoted]


def exact_copies(qs: list[Question], ps: list[Passage]) -> list[Leak]:
    """Questions that occur, normalised, inside a knowledge string."""
    leaks = []
    for p in ps:
        flat = normalise(p.text)
        for q in qs:
            key = normalise(q.text)
            if key in flat:
                sentence = next((s for s in segments(p.text) if key in normalise(s)), p.text)
                leaks.append(Leak(where=p.where, knowledge=sentence, set=q.set, item=f"{q.file}:{q.id}", score=1.0))
    return leaks


def identifiers(terms: set[str]) -> set[str]:
    return {t for t in terms if any(ch.isdigit() for ch in t)}


def scores(qs: list[Question], ps: list[Passage]) -> list[Leak]:
    """Every (question, sentence of an expansion or scope note) pair with its Jaccard, best first. A pair that
    names different symbols or numbers scores 0: "第65/230号决议是什么时候通过的?" asks the question of another
    resolution, a reader's phrasing the sets share, not a copy of one of their questions."""
    terms = [(q, set(tokenize(q.text))) for q in qs]
    pairs = []
    for p in ps:
        if not p.searched_for_copies:
            continue
        for sentence in segments(p.text):
            words = set(tokenize(sentence))
            for q, qwords in terms:
                score = jaccard(words, qwords) if identifiers(words) == identifiers(qwords) else 0.0
                pairs.append(Leak(where=p.where, knowledge=sentence, set=q.set, item=f"{q.file}:{q.id}", score=score))
    return sorted(pairs, key=lambda leak: -leak.score)


def near_copies(qs: list[Question], ps: list[Passage], threshold: float = NEAR_COPY) -> list[Leak]:
    return [leak for leak in scores(qs, ps) if leak.score > threshold]
