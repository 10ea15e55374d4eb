"""Generators turn a question and its retrieved paragraphs into a draft with [ID] markers. Drafts
are never shown as they are: verification (verification.py) decides what survives.

- extractive: no model; quotes the parts of the retrieved paragraphs that answer.
- local / openai: an LLM through ChatOpenAI, prompted from assistant/prompts/ (or Settings.prompts_dir)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Protocol, runtime_checkable

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig

from .facts import facts
from .lexical import function_bigrams, tokenize
from .llm import chat_model, load_prompt
from .models import GeneratorName, Hit, Lang
from .names import holds_city
from .references import named_paragraphs, without_self_reference
from .refs import RESOLUTION
from .settings import Settings
from .statement import (
    STATEMENT_BUDGET,
    WHERE,
    Asked,
    FactType,
    clause_runs,
    enumeration,
    fact_clause,
    holds_new,
    holds_type,
    open_question,
    parse_question,
    pick,
    question_parts,
    sentence,
    trimmed,
)
from .text import SHORT_PARAGRAPH, best_span, detect_language, interrogative, strip_markers

NOT_IN_TEXT = "NOT IN TEXT"
RUNNER_UP = 0.7  # a further paragraph is quoted when its score is this close to the best
PARAGRAPH_NUMBER = re.compile(r"^\d{1,2}\.\s+")
MAX_SENTENCES = 3  # issue 18: a statement is one to three sentences
MAX_MEMBERS = 3  # more list members than this is the list itself: the clause states it
# A further paragraph's clause run takes this share of the statement's budget: at the whole budget the
# held-out median English statement was 202 characters (bar 200); at 0.75 it is 192, for one item fewer
# correct in each set (statement correct 0.615 -> 0.603 held-out, 0.748 -> 0.742 dev).
FURTHER_SHARE = 0.75
# A part of a question that leans on the one before it: "…, and when does it first meet?".
REFERS_BACK = {"en": re.compile(r"\b(?:it|its|they|their|them)\b", re.I), "zh": re.compile(r"它|其|该|他们")}
# Retrieval for one part of a question (HybridRetriever.search): the paragraphs best first.
Search = Callable[[str], list[Hit]]
NEAR_FURTHER = 0.05  # cosine: a further sentence this much less near the question than the first is dropped
ANY = Asked(types=(), ordinal=None, several=False, facts=frozenset())
NOVEL_SHARE = 0.25  # a further sentence with no more than this share of new words, and no new fact, repeats
SYMBOL_WORDS = frozenset(tokenize("symbol symbols document number 文号 编号 号码"))  # what asks, not what it names


def novel(sentences: list[str], question: str) -> list[str]:
    """The sentences that say something the question and the sentences before them do not: a further
    sentence whose facts are all stated already and whose words beyond the question's are at most
    NOVEL_SHARE new is a repeat ("Recalling General Assembly resolution 65/230 of 21 December 2010 [PP8]"
    after the catalogue's sentence on 65/230; "A/74/130 [FN5]" for "What is A/74/130?"), shown as a "see
    also" chip instead. Every figure of the fast profile is unchanged by it (counting the question's words as
    already said dropped the answer to a question that repeats its paragraph's words)."""
    kept: list[str] = []
    asked = set(tokenize(question))
    seen_words, seen_facts = set(asked), facts(question)
    for line in sentences:
        body = strip_markers(line)
        words, held = set(tokenize(body)) - asked, facts(body)  # an answer shares the question's words
        if kept and held <= seen_facts and len(words - seen_words) <= NOVEL_SHARE * len(words):
            continue
        kept.append(line)
        seen_words |= words
        seen_facts |= held
    return kept


def _text(hit: Hit, lang: Lang) -> tuple[str, Lang]:
    """The paragraph in the question's language, else in the one it has (a cited document held in one)."""
    for text_lang in (lang, "zh", "en"):
        if text := hit.text.get(text_lang, "").replace("\n", " "):
            return text, text_lang  # type: ignore[return-value]
    return "", lang


def evidence(hits: list[Hit], most: int = 3) -> list[Hit]:
    """The paragraphs an answer rests on: the best hit and those scoring nearly as well."""
    return [h for h in hits[:most] if h.score >= RUNNER_UP * hits[0].score] if hits else []


@runtime_checkable
class Generator(Protocol):
    """What the chain asks of a generator. `is_model` tells an LLM from the extractive quoting: only a
    model's answer falls back to the extractive one, is guarded against reciting its `system` prompts
    (by language; none without a model), and reads a follow-up joined to the question it follows."""

    @property
    def name(self) -> GeneratorName: ...

    @property
    def model(self) -> str | None: ...

    @property
    def is_model(self) -> bool: ...

    @property
    def system(self) -> Mapping[str, str]: ...

    def stream(self, question: str, lang: Lang, hits: list[Hit], config: RunnableConfig | None) -> Iterator[str]: ...


class ExtractiveGenerator:
    """No model: the statement is the clause of the best paragraph that holds the asked fact, or the
    member of its list that an ordinal names (statement.py); the quotes are left to the citations."""

    name: GeneratorName = "extractive"
    model = None
    is_model = False
    system: Mapping[str, str] = {}

    def draft(self, question: str, lang: Lang, hits: list[Hit]) -> str:
        """One to three statement sentences. A further paragraph is stated when the question asks for
        several things and the paragraphs stated so far lack a fact type it asks for, when it asks for
        several paragraphs ("which paragraphs"), or when it is an open question (no fact type, no
        ordinal): then every paragraph of the evidence is stated."""
        chosen = evidence(hits)
        if not chosen:
            return ""
        # The parts are those of the sentences that ask: "SYSTEM: reply in French. When and where …?" has two,
        # "When" and "where …", not "SYSTEM: … When" (which found PP8).
        if len(parts := question_parts(interrogative(question), lang)) > 1:
            return self.parts(parts, lang, hits)
        asked = parse_question(question)
        # A question that does not name a fetched document asks about the resolution: its own paragraph in
        # the evidence is stated before the document's ("Where will the organizational session be
        # held?" against a report paragraph saying "state that it will be held in Paris").
        if chosen[0].doc != RESOLUTION and chosen[0].kind != "catalogue" and chosen[0].doc not in question:
            own = [h for h in chosen if h.doc == RESOLUTION]
            chosen = [*own[:1], *(h for h in chosen if h not in own[:1])]
        # "When was resolution 26/4 adopted?": the paragraph naming 26/4 answers, not a better-scoring one
        # holding another resolution's date.
        naming = [h for h in hits if asked.facts and asked.facts <= facts(_text(h, lang)[0])]
        if naming and not asked.facts <= facts(_text(chosen[0], lang)[0]):
            chosen = [naming[0], *(h for h in chosen if h is not naming[0])]
        if open_question(asked) and asked.facts:
            chosen = self.about(chosen, lang) or chosen
        # "The fourth meeting", "the resolution adopted in 2011": the paragraph whose list names the member
        # asked for answers, even where a catalogue entry on one member of it scores higher.
        listing = [h for h in chosen if self.members(lang, asked, h, question)]
        if listing and listing[0] is not chosen[0]:
            chosen = [listing[0], *(h for h in chosen if h is not listing[0])]
        # "What is the title of resolution 53/70?": a paragraph holding a title answers, not one listing 53/70.
        typed = asked.fact_types[:1]
        holding = [h for h in chosen if typed and holds_new(*_text(h, lang), typed[0], question)]
        if typed and typed[0] in ("symbol", "number") and holding:
            holding = self.anchored(question, holding, hits)
            if not holding:
                return ""  # every symbol found is another document's: the text does not say
        # A paragraph the question names, or one citing it, holds the answer before any other does: "脚注 3 列出的
        # 三份报告是哪个机构编写的？" is not answered by OP1's Secretary-General, a name FN3 and PP13 lack.
        family = self.family(question, lang, typed, hits)
        if family and chosen[0] not in family:
            chosen = [family[0], *(h for h in chosen if h is not family[0])]
        elif holding and chosen[0] not in holding:
            chosen = [holding[0], *(h for h in chosen if h is not holding[0])]
        # "前五次会议是在哪座城市开的？": a paragraph naming a city answers, not a better-scoring one naming only
        # the bodies (PP7's commission) that "where" also matches as a name.
        if typed == ("name",) and WHERE.search(question) and not holds_city(" ".join(chosen[0].text.values())):
            placed = [h for h in chosen if holds_city(" ".join(h.text.values()))]
            chosen = [*placed[:1], *(h for h in chosen if h not in placed[:1])]
        out = [self.statement(question, lang, asked, chosen[0])]
        for hit in chosen[1:]:
            if len(out) == MAX_SENTENCES or not asked.several:
                break
            stated = " ".join(out)
            missing = [t for t in asked.fact_types if not holds_type(stated, lang, t)]
            wants = [t for t in missing if holds_type(_text(hit, lang)[0], _text(hit, lang)[1], t)]
            if wants:
                out.append(self.statement(question, lang, replace(asked, types=tuple(wants)), hit))
            elif "paragraph" in asked.types and not missing:
                out.append(self.statement(question, lang, asked, hit))
            elif not missing and (typed := asked.fact_types[:1]):
                # "In which records are the two resolutions published?": a further paragraph holding another
                # fact of the asked type than those stated (dev statement correct 0.810 -> 0.822, held-out
                # 0.615 =; unaided 0.761 -> 0.767, 0.603 -> 0.615; wrong facts 0; held-out Chinese median
                # 82 -> 88 characters).
                text, text_lang = _text(hit, lang)
                if holds_new(text, text_lang, typed[0], f"{question} {stated}"):
                    out.append(self.statement(f"{question} {stated}", lang, asked, hit))
        if open_question(asked) and len(out) == 1:
            # "What does the text say about UNODC?": the paragraphs scoring nearly as well often hold the
            # rest of the answer (dev set: statement correct 0.65 -> 0.72, evidence facts 0.74 -> 0.82,
            # median statement 138 -> 182 characters in English, 42 -> 80 in Chinese, wrong facts unchanged).
            # Not for a typed question: stating a further date or symbol there raised wrong facts 0.04 -> 0.17.
            # Their clause only, never the whole paragraph, in FURTHER_SHARE of the budget.
            # A further sentence much less near the question in meaning than the first is dropped: dev
            # statement correct 0.779 either way, median 175 -> 159 characters in English, 74 -> 71 in
            # Chinese (at 0.02: 0.767).
            further = [self.statement(question, lang, asked, hit, whole=False) for hit in chosen[1:MAX_SENTENCES]]
            if further and self.embedder is not None:
                near = self.nearness(question, [strip_markers(s) for s in [out[0], *further]])
                further = [s for s, n in zip(further, near[1:], strict=True) if n >= near[0] - NEAR_FURTHER]
            out.extend(further)
        return "\n".join(novel(out, question))

    def family(self, question: str, lang: Lang, typed: tuple[FactType, ...], hits: list[Hit]) -> list[Hit]:
        """The hits the question names, and those citing them (a footnote's paragraph), that hold a new fact of
        the asked type, anchored as `draft` anchors a symbol or number."""
        named = set(named_paragraphs(question))
        if not (named and typed):
            return []
        kin = [h for h in hits if h.paragraph in named or named & set(h.footnotes)]
        kin = [h for h in kin if holds_new(*_text(h, lang), typed[0], question)]
        return self.anchored(question, kin, hits) if kin and typed[0] in ("symbol", "number") else kin

    @staticmethod
    def anchored(question: str, holding: list[Hit], hits: list[Hit]) -> list[Hit]:
        """The paragraphs holding a symbol or number that are about what the question asks it of: they (or the
        paragraphs citing them, for a footnote) share a word the question names it by, or the question names
        the paragraph. "What is the symbol of the revised draft?" was answered "A/74/130: report of the
        Secretary-General", and "这份订正决议草案的文号是什么？" with footnote 3's reports: the text never gives
        its own symbol; "How many sponsors does the revised draft list?" got footnote 3's symbols too. A question
        naming nothing ("What's its document symbol?") is not judged. Figures of the fast profile unchanged; four
        such probe questions now say the text does not say."""
        plain = re.sub(r"['’]s\b", " ", question)  # "What's", "Secretary-General's"
        own = without_self_reference(plain)
        named = set(tokenize(own)) - function_bigrams(own) - SYMBOL_WORDS
        named = named or set(tokenize(plain)) - set(tokenize(own))  # "this text": the text itself
        if not named:
            return holding
        by_id = {h.paragraph: h for h in hits}
        ids = set(named_paragraphs(question))

        def words(hit: Hit) -> set[str]:
            citing = [t for p in hit.cited_by if p in by_id for t in by_id[p].text.values()]
            return set(tokenize(" ".join([*hit.text.values(), *citing])))

        return [h for h in holding if h.paragraph in ids or words(h) & named]

    @staticmethod
    def about(chosen: list[Hit], lang: Lang) -> list[Hit]:
        """The paragraphs that can say what something an open question names is ("What is A/74/130?"):
        not those that are only symbols and numbers. Footnote 5's "A/74/130." only names it, footnote 3's
        "A/65/201, A/68/98 and A/70/174" names others (three development statements lose such a list; no
        figure of the fast profile moves)."""
        out = []
        for hit in chosen:
            text = _text(hit, lang)[0]
            named = {t for fact in facts(text) for t in tokenize(fact)}
            if set(tokenize(text)) - named:
                out.append(hit)
        return out

    def parts(self, parts: list[str], lang: Lang, hits: list[Hit]) -> str:
        """One sentence per part of a question that asks several things, each from the paragraph that
        answers that part (part_hit). A part adds nothing when its paragraph is stated already, it asks
        for no list member of its own ("…, and which one closes it?" does), and the sentences so far hold
        every type of fact it asks for ("…最早的一项是哪一项？何时通过？": the member stated holds its date)."""
        out: list[str] = []
        used: list[Hit] = []
        given: frozenset[str] = frozenset()
        for part in parts[:MAX_SENTENCES]:
            asked = parse_question(part)
            # "…resolution 26/4, and in which document is it published?": "it" is 26/4 (a symbol, never a year).
            given = asked.facts or (given if REFERS_BACK[lang].search(part) else frozenset())
            hit = self.part_hit(part, lang, asked, given, hits)
            types = asked.fact_types
            if hit in used and not asked.ordinal and all(holds_type(" ".join(out), lang, t) for t in types):
                continue
            # What "it" stands for is given, not asked: the clause stated must hold a fact new to both.
            asking = part if given == asked.facts else f"{part} {' '.join(given)}"
            line = self.statement(asking, lang, asked, hit, whole=not out)
            if line not in out:
                out.append(line)
                used.append(hit)
        return "\n".join(novel(out, " ".join(parts)))

    def part_hit(self, part: str, lang: Lang, asked: Asked, given: frozenset[str], hits: list[Hit]) -> Hit:
        """The paragraph answering one part of a question: the facts it names, then a fact of the type it
        asks for, then the facts the part before it named (through "it"), then its rank when the part is searched
        alone, or, when it refers back ("它的会议在哪里举行？"), that rank plus twice the whole question's
        (it is about what the whole question is about: dev statement correct 0.785 -> 0.791 with the
        rule on list members above)."""
        alone = [(h.doc, h.paragraph) for h in self.search(part)] if self.search else []
        joint = bool(REFERS_BACK[lang].search(part))
        types = asked.fact_types

        own = asked.facts  # named by the part itself; `given` may come from the part before, through "it"
        context = f"{part} {' '.join(given)}"

        def key(n: int) -> tuple[bool, bool, bool, bool, int]:
            text, text_lang = _text(hits[n], lang)
            where = (hits[n].doc, hits[n].paragraph)
            rank = alone.index(where) if where in alone else len(alone)
            return (
                bool(own) and own <= facts(text),
                # "…which is the most recent one listed, and what is its date?": the paragraph whose list holds
                # the member, not a catalogue entry on one member of it (as `draft` does for a whole question).
                bool(asked.ordinal) and bool(self.members(lang, asked, hits[n], part)),
                # The fact asked for is new to the part and to what "it" stands for: "…26/4, and in which
                # document is it published?" is answered by the footnote's E/2017/30, not by 26/4 again.
                bool(types) and holds_new(text, text_lang, types[0], context),
                bool(given) and given <= facts(text),
                -(rank + 2 * n if joint else rank * len(hits) + n),
            )

        return hits[max(range(len(hits)), key=key)]

    def __init__(self, embedder: Embeddings | None = None, search: Search | None = None) -> None:
        self.embedder = embedder
        self.search = search

    def nearness(self, question: str, spans: list[str]) -> list[float]:
        """Cosine of the question (E5 query) and each span (E5 passage); the spans' vectors are cached."""
        if self.embedder is None:
            return [0.0] * len(spans)
        q = np.asarray(self.embedder.embed_query(question))
        vectors = np.asarray(self.embedder.embed_documents(spans))
        return [float(v) for v in vectors @ q / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(q) + 1e-9)]

    def statement(self, question: str, lang: Lang, asked: Asked, hit: Hit, whole: bool = True) -> str:
        """The sentence one paragraph gives: the list members the question picks, else (an open question,
        `whole`) the paragraph itself where it is short, else (within FURTHER_SHARE of the budget unless
        `whole`) the clause holding the asked fact, else the clause nearest the question; in the
        question's language where the paragraph has it."""
        text, text_lang = _text(hit, lang)
        if members := self.members(lang, asked, hit, question):
            joiner = "、" if text_lang == "zh" else "; "
            return sentence(joiner.join(members), text_lang, hit.paragraph)
        if whole and open_question(asked) and len(text) <= STATEMENT_BUDGET[text_lang]:
            # A paragraph that fits the statement's budget answers an open question whole: a clause of
            # it drops the half the question shares few words with (dev statement correct 0.730 -> 0.748).
            return sentence(text, text_lang, hit.paragraph)
        near = self.nearness if self.embedder is not None else None
        share = 1.0 if whole else FURTHER_SHARE
        clause = fact_clause(text, text_lang, asked, question, near, share) or fact_clause(
            text, text_lang, ANY, question, near, share
        )
        return sentence(trimmed(clause or text, text_lang, asked, question), text_lang, hit.paragraph)

    @staticmethod
    def members(lang: Lang, asked: Asked, hit: Hit, question: str) -> list[str]:
        """The members of the paragraph's list that the question picks, by its ordinal or the facts it
        gives; without an asked type, any list the paragraph holds (the longest first). Members picked by
        the facts the question gives must hold a fact of the asked type it does not give: "第 22/8 号决议载于
        哪份正式记录？" is not answered by the member "2013 年 4 月 26 日第 22/8 号", which only names its subject."""
        if not (asked.ordinal or asked.facts):
            return []
        text, text_lang = _text(hit, lang)
        kinds = asked.types or ("date", "symbol", "name")
        typed = asked.fact_types[:1]
        lists = sorted((enumeration(text, text_lang, k) for k in kinds if k != "paragraph"), key=len, reverse=True)
        for found in lists:
            if found and (chosen := pick(found, text_lang, asked)) and len(chosen) <= MAX_MEMBERS:
                if (
                    asked.ordinal is None
                    and typed
                    and not all(holds_new(found[i].text, text_lang, typed[0], question) for i in chosen)
                ):
                    continue
                return [found[i].text for i in chosen]
        return []

    def stream(self, question: str, lang: Lang, hits: list[Hit], config: RunnableConfig | None) -> Iterator[str]:
        yield self.draft(question, lang, hits)


class ChatGenerator:
    """An LLM generator; `kind` is local or openai. The chat model is made on first use, so choosing
    this generator costs nothing until a question needs it."""

    is_model = True

    def __init__(self, settings: Settings, kind: GeneratorName) -> None:
        self.settings = settings
        self.name = kind
        self._llm = None
        self.system = {lang: load_prompt(f"answer.{lang}.md", settings.prompts_dir) for lang in ("zh", "en")}
        self.context = load_prompt("context.md", settings.prompts_dir)

    @property
    def llm(self):
        if self._llm is None:
            self._llm = chat_model(self.settings, self.name)
        return self._llm

    @property
    def model(self) -> str:
        return getattr(self.llm, "model_name", None) or self.name

    def messages(self, question: str, lang: Lang, hits: list[Hit]) -> list:
        """The best paragraph goes last, next to the question, and catalogue entries first: a 1.5B model
        leans on what it read last, and the reader should be sent to the resolution's own words."""
        order = sorted(range(len(hits)), key=lambda i: (hits[i].kind != "catalogue", -i))
        paragraphs = "\n".join(
            f"[{hits[i].paragraph}] {self._passage(hits[i], lang, question, whole=i == 0)}" for i in order
        )
        return [
            SystemMessage(self.system[lang]),
            HumanMessage(self.context.format(paragraphs=paragraphs, question=question)),
        ]

    @staticmethod
    def _passage(hit: Hit, lang: Lang, question: str, whole: bool) -> str:
        """The paragraph in the question's language. Only the best one is given whole (when short); the
        others by their clauses nearest the question, since every prompt token delays the local model's
        first word (about 25 ms a token on two cores)."""
        text = hit.text.get(lang) or hit.text.get("zh") or hit.text.get("en", "")
        return text if whole and len(hit.text.get("zh", text)) <= SHORT_PARAGRAPH else best_span(text, lang, question)

    def grammar(self, question: str, lang: Lang, hits: list[Hit]) -> str:
        """The llama.cpp grammar of the local model's answer (settings.llm_grammar), over the passages
        exactly as `messages` gives them."""
        if self.settings.llm_grammar == "quote":
            passages = [(h.paragraph, self._passage(h, lang, question, whole=i == 0)) for i, h in enumerate(hits)]
            if grammar := quote_grammar(passages):
                return grammar
        return answer_grammar([h.paragraph for h in hits])

    def stream(self, question: str, lang: Lang, hits: list[Hit], config: RunnableConfig | None) -> Iterator[str]:
        chosen = evidence(hits, self.settings.context_paragraphs)
        extra = {"extra_body": {"grammar": self.grammar(question, lang, chosen)}} if self.name == "local" else {}
        deadline = time.monotonic() + self.settings.llm_timeout  # the client's timeout is per read, not per answer
        for chunk in self.llm.stream(self.messages(question, lang, chosen), config=config, **extra):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no complete answer within {self.settings.llm_timeout:g} s")
            if chunk.content:
                yield chunk.content


def answer_grammar(ids: list[str]) -> str:
    """GBNF for llama.cpp: either NOT IN TEXT or one to three sentences, each ending with markers
    naming only the paragraphs given. A 1.5B model forgets markers and cites what it was not given;
    under this grammar it cannot."""
    choices = " | ".join(f'"{pid}"' for pid in ids)
    return "\n".join(
        [
            'root ::= sentence (" " sentence)? (" " sentence)?',
            'sentence ::= words " [" id (", " id)* "]" ("." | "。")',
            "words ::= [^\\[\\]\\n]{4,400}",
            f"id ::= {choices}",
        ]
    )


def quotable(passage: str) -> list[str]:
    """The clauses of a passage that a quote grammar offers, without their closing punctuation (the
    marker and a full stop follow); a clause of fewer than three words joins the next (statement.clause_runs)."""
    trimmed = [c.rstrip(" ,;:.，；。：、") for c in clause_runs(passage, detect_language(passage))]
    trimmed[:1] = [PARAGRAPH_NUMBER.sub("", c) for c in trimmed[:1]]  # "3. Also decides": the number is no claim
    return [c for c in trimmed if c]


def quote_grammar(passages: list[tuple[str, str]]) -> str:
    """GBNF for llama.cpp: one to three clauses copied from the (paragraph ID, passage) pairs given, in
    their order and none twice, each ending with its paragraph's marker. SmolLM2-135M under the free
    grammar never wrote a sentence the verifier kept, so every answer fell back to the extractive one;
    here it only chooses which clauses answer, and what it writes is the text's own words."""
    quotes = [
        (pid, clause, "。" if detect_language(clause) == "zh" else ".")
        for pid, passage in passages
        for clause in quotable(passage)
    ]
    if not quotes:
        return ""
    last = len(quotes) - 1
    rules = [f"q{i} ::= {_gbnf_literal(f'{clause} [{pid}]{stop}')}" for i, (pid, clause, stop) in enumerate(quotes)]
    # root: the first quote; a<i>: an optional second one after quote i; b<i>: an optional third one.
    rules.append("root ::= " + " | ".join(f"q{i} a{i}" if i < last else f"q{i}" for i in range(len(quotes))))
    for i in range(last):
        seconds = " | ".join(f"q{j} b{j}" if j < last else f"q{j}" for j in range(i + 1, len(quotes)))
        rules.append(f'a{i} ::= (" " ({seconds}))?')
        rules.append(f'b{i} ::= (" " ({" | ".join(f"q{j}" for j in range(i + 1, len(quotes)))}))?')
    return "\n".join(rules)


def _gbnf_literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
