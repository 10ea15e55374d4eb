"""The support judge of the release evaluation: does a set of cited paragraphs support a sentence?

Deterministic and offline, no LLM, and independent of the verifier (figures.py says why): a sentence is
supported when every number, date and symbol in it, as written, occurs in the cited paragraphs as the
index holds them (Chinese or English text), and the sentence is a verbatim quotation of them or close
enough in meaning to some part of them: the cosine similarity from the
bundled E5 embedder between the sentence and the best clause or whole text of a cited paragraph is at
least a threshold calibrated on hand-labelled (sentence, paragraph) pairs (evals/support_pairs.jsonl,
`assistant eval-judge`).

On top of it, citation recall and precision as ALCE defines them (Gao et al., 2023, "Enabling Large
Language Models to Generate Text with Citations"): a claim is supported when its citations together
support it; a citation is irrelevant when it does not support its claim alone and the other citations
still do."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel

from ..models import Texts
from ..refs import RESOLUTION_ID, Ref
from ..text import claims, clauses, markers, sentences, strip_markers
from .figures import missing_figures, without_references

# A claim's parts: the runs between quotation marks and brackets ("X (official text: “Y”)" has X and Y).
PARTS = re.compile(r"[“”\"()（）]")
LABEL_WORDS = 3  # a part this short that is not quoted ("official text:") is a label, not a claim
CALIBRATION = "judge_calibration.json"


class Check(BaseModel):
    """The judge's view of one claim against some paragraphs."""

    missing: list[str]
    similarity: float
    supported: bool


@dataclass
class SupportJudge:
    """Judges claims against paragraphs, named by the keys markers carry ("OP3"); `texts` holds each
    paragraph's text by language (HybridRetriever.texts_by_ref)."""

    embedder: Embeddings
    texts: Texts
    threshold: float
    _windows: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _queries: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def text_of(self, key: str) -> dict[str, str]:
        """The text by language of the paragraph a marker names; empty for one the index lacks."""
        return self.texts.get(Ref.parse(key), {})

    def windows(self, pid: str) -> np.ndarray:
        """Embeddings of the paragraph's texts and of each of their clauses: a sentence drawn from one
        clause of a long paragraph is close to that clause, not to the whole."""
        if pid not in self._windows:
            parts: list[str] = []
            for lang, text in self.text_of(pid).items():
                parts.append(text)
                parts += [c.strip() for c in clauses(text, "zh" if lang == "zh" else "en") if len(c.strip()) > 3]
            parts = list(dict.fromkeys(p for p in parts if p))
            vectors = self.embedder.embed_documents(parts) if parts else []
            self._windows[pid] = np.asarray(vectors, dtype=np.float32).reshape(len(parts), -1)
        return self._windows[pid]

    def check(self, sentence: str, pids: list[str]) -> Check:
        claim = without_references(sentence).strip()
        sources = [t for pid in pids for t in self.text_of(pid).values()]
        missing = missing_figures(claim, sources)
        windows = [self.windows(pid) for pid in pids if self.text_of(pid)]
        similarity = 0.0
        if windows and quoted(claim, sources):
            similarity = 1.0
        elif windows and claim.strip() and not missing:
            if claim not in self._queries:  # precision asks about the same claim several times
                self._queries[claim] = np.asarray(self.embedder.embed_query(claim), dtype=np.float32)
            query = self._queries[claim]
            similarity = float((np.concatenate(windows) @ query).max())
        return Check(
            missing=missing,
            similarity=round(similarity, 4),
            supported=bool(pids) and not missing and similarity >= self.threshold,
        )

    def supports(self, sentence: str, pids: list[str]) -> bool:
        return self.check(sentence, pids).supported


def quoted(claim: str, sources: list[str]) -> bool:
    """True when every part of the claim is a verbatim span of the sources (whitespace aside): a
    quotation is supported by what it quotes, whatever its length; no similarity is needed."""
    squeezed = [re.sub(r"\s+", "", s) for s in sources]
    parts = [p.strip(" \t-*•:：,，;；。.") for p in PARTS.split(claim)]
    spans = [p for p in parts if len(p.split()) > LABEL_WORDS or re.search(r"[\u4e00-\u9fff]{4}", p)]
    return bool(spans) and all(any(re.sub(r"\s+", "", p) in s for s in squeezed) for p in spans)


# --- ALCE citation recall and precision ---------------------------------------------------------


class ClaimScore(BaseModel):
    claim: str
    cited: list[str]
    supported: bool
    irrelevant: list[str] = []


class CitationScore(BaseModel):
    recall: float
    precision: float | None
    claims: list[ClaimScore]


def answer_claims(answer: str) -> list[tuple[str, list[str]]]:
    """An answer's claims with the paragraphs each cites, read as the verifier reads them: a marker
    covers the unmarked sentences just before it on its line."""
    out: list[tuple[str, list[str]]] = []
    for line in answer.splitlines():
        for claim in claims(sentences(line)):
            body = strip_markers(claim).strip("-*• ")
            if body:
                out.append((claim, [p for p in markers(claim) if RESOLUTION_ID.fullmatch(p)]))
    return out


def citation_score(judge: SupportJudge, answer: str) -> CitationScore | None:
    """ALCE recall (share of claims whose citations together support them) and precision (share of
    citations that support their claim and are not irrelevant to it) of one answer; None when the
    answer makes no claim."""
    found = answer_claims(answer)
    if not found:
        return None
    scored: list[ClaimScore] = []
    relevant = total = 0
    for claim, cited in found:
        supported = judge.supports(claim, cited)
        irrelevant: list[str] = []
        if supported and len(cited) > 1:
            for pid in cited:
                rest = [p for p in cited if p != pid]
                if not judge.supports(claim, [pid]) and judge.supports(claim, rest):
                    irrelevant.append(pid)
        total += len(cited)
        relevant += (len(cited) - len(irrelevant)) if supported else 0
        scored.append(ClaimScore(claim=claim, cited=cited, supported=supported, irrelevant=irrelevant))
    return CitationScore(
        recall=sum(c.supported for c in scored) / len(scored),
        precision=relevant / total if total else None,
        claims=scored,
    )


# --- calibration on hand-labelled pairs ---------------------------------------------------------


class SupportPair(BaseModel):
    id: str
    lang: str
    sentence: str
    paragraph: str
    supported: bool
    kind: str


class Calibration(BaseModel):
    """What `assistant eval-judge` found on the labelled pairs; the evaluation reads the threshold."""

    threshold: float
    pairs: int
    positives: int
    accuracy: float
    precision: float
    recall: float
    loo_accuracy: float
    by_kind: dict[str, float]
    errors: list[dict]


def load_pairs(path: Path) -> list[SupportPair]:
    return [SupportPair.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def best_threshold(rows: list[tuple[bool, float, bool]]) -> float:
    """The similarity threshold with the highest accuracy on (facts and names ok, similarity, label)
    rows; the midpoint between neighbouring similarities, so it does not sit on a labelled pair."""
    values = sorted({s for ok, s, _ in rows if ok})
    candidates = [0.0] + [(a + b) / 2 for a, b in zip(values, values[1:], strict=False)] + [1.0]

    def accuracy(t: float) -> int:
        return sum((ok and s >= t) == label for ok, s, label in rows)

    best = max(accuracy(t) for t in candidates)
    ties = [t for t in candidates if accuracy(t) == best]
    return round(ties[len(ties) // 2], 4)


def calibrate(judge: SupportJudge, pairs: list[SupportPair]) -> Calibration:
    checks = [judge.check(p.sentence, [p.paragraph]) for p in pairs]
    rows = [(not c.missing, c.similarity, p.supported) for c, p in zip(checks, pairs, strict=True)]
    threshold = best_threshold(rows)
    predicted = [ok and s >= threshold for ok, s, _ in rows]
    loo = sum(
        (rows[i][0] and rows[i][1] >= best_threshold(rows[:i] + rows[i + 1 :])) == rows[i][2] for i in range(len(rows))
    )
    kinds: dict[str, list[bool]] = {}
    for p, guess in zip(pairs, predicted, strict=True):
        kinds.setdefault(p.kind, []).append(guess == p.supported)
    true_pos = sum(g and p.supported for g, p in zip(predicted, pairs, strict=True))
    return Calibration(
        threshold=threshold,
        pairs=len(pairs),
        positives=sum(p.supported for p in pairs),
        accuracy=round(sum(g == p.supported for g, p in zip(predicted, pairs, strict=True)) / len(pairs), 3),
        precision=round(true_pos / max(1, sum(predicted)), 3),
        recall=round(true_pos / max(1, sum(p.supported for p in pairs)), 3),
        loo_accuracy=round(loo / len(pairs), 3),
        by_kind={k: round(sum(v) / len(v), 3) for k, v in sorted(kinds.items())},
        errors=[
            {"id": p.id, "label": p.supported, "similarity": c.similarity, "missing": c.missing}
            for p, c, g in zip(pairs, checks, predicted, strict=True)
            if g != p.supported
        ],
    )


def load_calibration(evals_dir: Path) -> Calibration:
    return Calibration.model_validate(json.loads((evals_dir / CALIBRATION).read_text(encoding="utf-8")))
