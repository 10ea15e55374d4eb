"""The answer chain: follow-up -> standalone question -> retrieve -> generate -> verify -> Answer.

`build_chain()` returns a LangChain Runnable, so invoke, stream, batch and ainvoke come free.
`stream` yields draft Answers (draft=True) while the generator writes, then the verified Answer."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig

from .generation import NOT_IN_TEXT, ChatGenerator, ExtractiveGenerator, Generator, evidence
from .indexing import open_retriever
from .llm import local_model_path
from .models import Answer, Citation, GeneratorName, Hit, Lang, Message, Question, Timings
from .refs import scope_id
from .replies import NEAREST, NOT_SAID, NOTHING_TO_ASK
from .retrieval import HybridRetriever, clean_query
from .security import PromptGuard, redact, secrets_of
from .settings import Settings
from .statement import holds_new, parse_question, question_parts
from .text import detect_language
from .verification import Verified, cite, gives_asked_fact, other_fact, verify

log = logging.getLogger(__name__)

OTHER_FACT = "The model's answer stated a different {fact} than the text's clause, so the text's words are shown."
OVERRULED = (
    "The model answered that the text does not say this, but the text's clause holds the asked {fact}, "
    "so the text's words are shown."
)
MISSING_FACT = "The model's answer did not give the asked {fact}; the text's clause holds it, so its words are shown."
FACT_WORDS = {"date": "date", "number": "number", "symbol": "document symbol", "name": "name", "title": "title"}
FALLBACK = "The {name} generator failed ({reason}); this answer is extractive."
MISPLACED = "The question sets this in a place the text does not mention; the answer gives what the text says."
UNVERIFIED = "The model's answer could not be verified against the text; this answer is extractive."


def standalone(question: str, history: list[Message]) -> str:
    """A follow-up ("And where?") is searched together with the question it follows."""
    previous = [m.content for m in history if m.role == "user"]
    return f"{previous[-1]} {question}" if previous else question


@dataclass
class Turn:
    """One question on its way through the chain's steps: each step reads it and adds to it."""

    asked: Question
    question: str  # cleaned and cut to max_query_chars
    lang: Lang
    generator: Generator  # the extractive one until a generator is chosen, and again after a fallback
    notices: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    timings: Timings = field(default_factory=Timings)
    query: str = ""  # what is searched: a follow-up joined to the question it follows
    evidence: list[Hit] = field(default_factory=list)
    note: Hit | None = None  # the scope note of a topic the text does not cover
    draft: str = ""
    extractive: str | None = None  # the extractive statement, made once: a model's answer is checked against it
    checked: Verified = field(default_factory=lambda: Verified(""))  # nothing verified: not an answer


PART_HITS = 3  # paragraphs searched for each part of a question that asks several things
QuestionInput = Question | Mapping[str, Any] | str


class AnswerChain(Runnable[QuestionInput, Answer]):
    """Input: a Question, its dict ({"question", "history", "generator", "k"}) or the question alone."""

    def __init__(self, settings: Settings, retriever: HybridRetriever) -> None:
        self.settings = settings
        self.retriever = retriever
        self.extractive = ExtractiveGenerator(retriever.embedder, retriever.search)
        self._chat: dict[GeneratorName, ChatGenerator] = {}
        self._guards: dict[str, PromptGuard] = {}

    # --- choosing a generator -----------------------------------------------------------------

    def default_generator(self) -> GeneratorName:
        if self.settings.generator != "auto":
            return self.settings.generator
        return "local" if local_model_path(self.settings).exists() else "extractive"

    def generator(self, name: GeneratorName | None) -> Generator:
        name = name or self.default_generator()
        if name == "extractive":
            return self.extractive
        if name not in self._chat:
            self._chat[name] = ChatGenerator(self.settings, name)
        return self._chat[name]

    # --- the Runnable -------------------------------------------------------------------------

    def invoke(self, input: QuestionInput, config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        return deque(self.stream(input, config, **kwargs), maxlen=1)[0]

    def stream(self, input: QuestionInput, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[Answer]:
        turn = self._prepare(Question.of(input))
        if not self.retriever.asks_something(turn.question):
            yield self._nothing_to_ask(turn)
            return
        if self._retrieve(turn):
            yield from self._generate(turn, config)
            if not self._refused(turn):
                self._verify(turn)
                self._repairs(turn)
        yield self._finish(turn)

    # --- the steps ----------------------------------------------------------------------------

    def _prepare(self, asked: Question) -> Turn:
        started = time.perf_counter()
        question, notice = clean_query(asked.question, self.settings.max_query_chars)
        lang = detect_language(question)
        notices = [notice] if notice else []
        return Turn(asked, question, lang, self.extractive, notices, started)

    def _nothing_to_ask(self, turn: Turn) -> Answer:
        """Symbols, digits, emoji or keyboard mash: no paragraph is near them, so none is shown."""
        return Answer(
            question=turn.question,
            answer=NOTHING_TO_ASK[turn.lang],
            answerable=False,
            language=turn.lang,
            citations=[],
            generator="extractive",
            model=None,
            notices=turn.notices,
            timings=Timings(total_ms=_ms(turn.started)),
        )

    def _retrieve(self, turn: Turn) -> bool:
        """True when there are paragraphs to answer from and no scope note says the text is silent."""
        t0 = time.perf_counter()
        turn.query = standalone(turn.question, turn.asked.history)
        k = turn.asked.k or self.settings.k
        turn.evidence, turn.note = self.retriever.retrieve(turn.query, k, asked=turn.question)
        if turn.evidence and not turn.note:
            turn.evidence = self._with_parts(turn)
            if self.retriever.misplaced(turn.question):
                turn.notices.append(MISPLACED)
        turn.timings.retrieve_ms = _ms(t0)
        return bool(turn.evidence) and not turn.note

    def _with_parts(self, turn: Turn) -> list[Hit]:
        """A question asking two things ("…, and when does it first meet?") is searched part by part as
        well: each part's best paragraphs join the evidence, which the whole question ranked (the
        extractive statement answers each part from them)."""
        parts = question_parts(turn.question, turn.lang)
        if len(parts) == 1:
            return turn.evidence
        merged = {(h.doc, h.paragraph): h for h in turn.evidence}
        for part in parts:
            for hit in self.retriever.search(part, PART_HITS):
                merged.setdefault((hit.doc, hit.paragraph), hit)
        return list(merged.values())

    def _generate(self, turn: Turn, config: RunnableConfig | None) -> Iterator[Answer]:
        """The drafts as the generator writes them; a failing model leaves the extractive draft."""
        turn.generator = generator = self.generator(turn.asked.generator)
        t1 = time.perf_counter()
        # A model reads a follow-up ("And where?") after the question it follows; the extractive
        # generator picks clauses by the follow-up's own words.
        asked = turn.query if generator.is_model else turn.question
        try:
            for piece in generator.stream(asked, turn.lang, turn.evidence, config):
                turn.draft += piece
                if not self._echoes_prompt(generator, turn.draft):  # a draft reciting the prompt is never shown
                    yield self._answer(turn, draft=True)
        except Exception as exc:  # a missing, corrupt, slow or dead model must not cost the answer
            log.warning("generator %s failed", generator.name, exc_info=True)
            turn.notices.append(FALLBACK.format(name=generator.name, reason=_reason(exc, secrets_of(self.settings))))
            turn.generator = self.extractive
            turn.draft = self._statement(turn)
        turn.timings.generate_ms = _ms(t1)

    def _statement(self, turn: Turn) -> str:
        """The extractive statement for the turn, made on first use: the fallback, the NOT IN TEXT check,
        the fact check and the missing-fact check all read the same one."""
        if turn.extractive is None:
            turn.extractive = self.extractive.draft(turn.question, turn.lang, turn.evidence)
        return turn.extractive

    def _refused(self, turn: Turn) -> bool:
        """Whether the model's NOT IN TEXT stands. It is one signal, not a decision (issue 18): retrieval
        found paragraphs and no scope note, so where the extractive statement finds the asked fact (a
        fact of the asked type the question does not give, or the list member its ordinal picks), that
        statement answers, with a notice. Dev set, every third question (65), local model, with the prompt
        and fact check of issue 18: the model said NOT IN TEXT 4 times, 3 overruled (a date, two names);
        false refusals 0.164 -> 0.055, refusal accuracy 1.00 -> 1.00. An open question (no fact type, no
        ordinal) keeps the refusal: there the fallback would have answered 1 of the 2 open questions
        refused (correctly) and lost no refusal, but the dev set cannot show the cost, since the extractive
        chain already refuses all its unanswerable questions (extractive refusal accuracy 1.00); on the
        held-out set it answers one in five of them (0.79), and the model's NOT IN TEXT is what refuses
        those."""
        if NOT_IN_TEXT not in turn.draft.upper():
            return False
        statement = self._statement(turn)
        found = self._finds_asked(turn, statement)
        log.info("the %s model said NOT IN TEXT; the extractive statement finds: %s", turn.generator.name, found)
        if found is None:
            return True
        turn.notices.append(OVERRULED.format(fact=found))
        turn.generator, turn.draft = self.extractive, statement
        return False

    def _finds_asked(self, turn: Turn, statement: str) -> str | None:
        """What asked fact the extractive statement holds ("date", "list member"), None when it holds none
        or the question asks for no type (an open question)."""
        asked = parse_question(turn.question)
        lang = detect_language(statement) if statement else turn.lang
        typed = asked.fact_types
        if typed and holds_new(statement, lang, typed[0], turn.question):
            return FACT_WORDS[typed[0]]
        return "list member" if self._picks_member(turn) else None

    def _picks_member(self, turn: Turn) -> bool:
        """Whether the extractive statement is the list member the question's ordinal picks ("the fourth
        meeting", "the first sponsor"): ExtractiveGenerator.draft states such a member first."""
        asked = parse_question(turn.question)
        chosen = evidence(turn.evidence)
        members = self.extractive.members
        return bool(asked.ordinal) and any(members(turn.lang, asked, hit, turn.question) for hit in chosen)

    def _verify(self, turn: Turn) -> None:
        """What of the draft the paragraphs support; a model's answer that keeps nothing (or recites its
        prompt) gives way to the extractive one, and one stating another fact of the asked type than the
        extractive statement is replaced by it (`_check_fact`)."""
        t2 = time.perf_counter()
        generator = turn.generator
        checked = verify(turn.draft, turn.evidence)
        if self._echoes_prompt(generator, checked.text):
            log.warning("the %s model's answer repeats its system prompt; dropped", generator.name)
            checked.text = ""
        if not checked.text and generator.is_model:
            turn.notices.append(UNVERIFIED)
            turn.generator = self.extractive
            checked = verify(self._statement(turn), turn.evidence)
        turn.checked = checked
        if checked.text and turn.generator.is_model:
            self._check_fact(turn)
        if turn.checked.text and turn.generator.is_model and not gives_asked_fact(turn.question, turn.checked.text):
            self._give_asked(turn)
        turn.timings.verify_ms = _ms(t2)

    def _check_fact(self, turn: Turn) -> None:
        """A model's statement giving another fact of the asked type than the extractive statement for the
        same question and evidence (verification.other_fact) gives way to it, with a notice: a 1.5B model
        answers "the fourth meeting" with the third one's dates, and the verifier keeps them, the paragraph
        holding both. The extractive choice is the clause holding the asked fact, so it is the one shown.
        Replayed on the local model's dev answers of the last full run (114 answered; before the member
        rule): it fires on 6, 3 wrong -> correct, 2 wrong either way, 1 correct -> wrong. Dev set, every
        third question (65), with the prompt of issue 18 and `_refused`: wrong-fact answers 0.143 -> 0.000,
        statement correct 0.673 -> 0.727."""
        statement = self._statement(turn)
        kind = other_fact(turn.question, turn.checked.text, statement, member=self._picks_member(turn))
        if kind is None:
            return
        checked = verify(statement, turn.evidence)
        if checked.text:
            turn.notices.append(OTHER_FACT.format(fact=FACT_WORDS[kind]))
            turn.generator, turn.checked = self.extractive, checked

    def _give_asked(self, turn: Turn) -> None:
        """A model's answer to "when" or "how many" that holds no date or number would be refused
        (`gives_asked_fact`); where the extractive statement holds the asked fact, it answers instead, with
        a notice: the same rule as for the model's NOT IN TEXT (`_refused`), for the answer that leaves the
        fact out (a two-part question's "when" part was refused so on the dev sample of issue 18)."""
        statement = self._statement(turn)
        if (found := self._finds_asked(turn, statement)) is None:
            return
        checked = verify(statement, turn.evidence)
        if checked.text and gives_asked_fact(turn.question, checked.text):
            turn.notices.append(MISSING_FACT.format(fact=found))
            turn.generator, turn.checked = self.extractive, checked

    def _repairs(self, turn: Turn) -> None:
        """What the verifier changed, told: the reader should know a citation was not the generator's."""
        checked = turn.checked
        if checked.attributed:
            turn.notices.append(
                f"{checked.attributed} sentence(s) had no marker; the verifier cited the paragraph holding them."
            )
        if checked.recited:
            turn.notices.append(
                f"{checked.recited} sentence(s) cited a paragraph that does not hold them; "
                "the verifier cited the one that does."
            )
        if checked.dropped and checked.text:
            turn.notices.append(
                f"{len(checked.dropped)} sentence(s) not supported by the cited paragraphs were removed."
            )

    def _finish(self, turn: Turn) -> Answer:
        """The verified answer, or 'the text does not say' when nothing verified gives the fact asked."""
        turn.timings.total_ms = _ms(turn.started)
        checked = turn.checked
        if not checked.text or not gives_asked_fact(turn.question, checked.text):
            return self._not_said(turn)
        return self._answer(turn)

    # --- helpers ------------------------------------------------------------------------------

    def _echoes_prompt(self, generator: Generator, text: str) -> bool:
        if not generator.system:
            return False
        if generator.name not in self._guards:
            corpus = [t for by in self.retriever.paragraph_texts().values() for t in by.values()]
            corpus += [*NOT_SAID.values(), *NEAREST.values()]  # the chain's own words are no recitation
            self._guards[generator.name] = PromptGuard(list(generator.system.values()), corpus)
        return self._guards[generator.name].echoed(text)

    def _answer(self, turn: Turn, draft: bool = False) -> Answer:
        """A draft as written so far (unverified, no citations), or the verified answer."""
        text, citations = (turn.draft, []) if draft else (turn.checked.text, turn.checked.citations)
        return Answer(
            question=turn.question,
            answer=text,
            answerable=True,
            language=turn.lang,
            citations=citations,
            see_also=[] if draft else see_also(turn.evidence, citations),
            generator=turn.generator.name,
            model=None if draft else turn.generator.model,
            notices=list(turn.notices),
            timings=turn.timings,
            draft=draft,
        )

    def _not_said(self, turn: Turn) -> Answer:
        """'The text does not say', what it does cover nearby, and no citation presented as support."""
        lang = turn.lang
        parts = [NOT_SAID[lang]]
        if turn.note:
            parts.append(turn.note.text.get(lang, ""))
        nearest = turn.evidence[:2]
        if nearest:
            parts.append(NEAREST[lang].format(ids=", ".join(h.paragraph for h in nearest)))
        return Answer(
            question=turn.question,
            answer=("" if lang == "zh" else " ").join(p for p in parts if p),
            answerable=False,
            language=lang,
            citations=[_reference(h) for h in nearest],
            generator=turn.generator.name,
            model=turn.generator.model,
            notices=list(turn.notices),
            timings=turn.timings,
        )


def see_also(hits: list[Hit], citations: list[Citation]) -> list[str]:
    """The retrieved paragraphs the answer does not cite, best first: leads for the reader, shown as chips
    rather than as text (issue 18: quoting them made the median extractive answer about 700 characters, with
    the asked fact buried in it)."""
    cited = {c.paragraph for c in citations}
    ids = (h.paragraph for h in hits if h.kind != "scope" and scope_id(h.paragraph) is None)
    return [pid for pid in dict.fromkeys(ids) if pid not in cited]


def _reference(hit: Hit) -> Citation:
    return cite(hit, "").model_copy(update={"supported": False})


def _reason(exc: Exception, secret_values: list[str]) -> str:
    """The first line of the error, secrets masked before it is cut (a cut key would escape the mask)."""
    text = redact(str(exc), secret_values).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)


def build_chain(settings: Settings | None = None, retriever: HybridRetriever | None = None) -> AnswerChain:
    settings = settings or Settings()
    return AnswerChain(settings, retriever or open_retriever(settings))


class Assistant:
    """The embeddable Python API: `Assistant().ask("...")`."""

    def __init__(self, settings: Settings | None = None, retriever: HybridRetriever | None = None) -> None:
        self.chain = build_chain(settings, retriever)

    def ask(self, question: str, history: list[dict] | None = None, generator: GeneratorName | None = None) -> Answer:
        return self.chain.invoke({"question": question, "history": history or [], "generator": generator})


__all__ = ["Answer", "AnswerChain", "Assistant", "Lang", "build_chain"]
