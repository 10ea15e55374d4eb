"""The answer chain: follow-up -> standalone question -> retrieve -> generate -> verify -> Answer.

`build_chain()` returns a LangChain Runnable, so invoke, stream, batch and ainvoke come free.
`stream` yields draft Answers (draft=True) while the generator writes, then the verified Answer."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig

from .errors import UserError
from .generation import NOT_IN_TEXT, ChatGenerator, ExtractiveGenerator
from .indexing import open_retriever
from .llm import local_model_path
from .models import Answer, Citation, Hit, Lang, Message, Timings
from .replies import NEAREST, NOT_SAID, NOTHING_TO_ASK
from .retrieval import HybridRetriever, clean_query
from .security import PromptGuard, redact, secrets_of
from .settings import Settings
from .text import detect_language
from .verification import Verified, cite, gives_asked_fact, verify

log = logging.getLogger(__name__)

QUOTED = "The model's answer did not cite the best paragraph retrieved; its words follow the answer."
FALLBACK = "The {name} generator failed ({reason}); this answer is extractive."


def standalone(question: str, history: list[Message]) -> str:
    """A follow-up ("And where?") is searched together with the question it follows."""
    previous = [m.content for m in history if m.role == "user"]
    return f"{previous[-1]} {question}" if previous else question


class AnswerChain(Runnable[dict, Answer]):
    """Input: {"question": str, "history": [{"role", "content"}...], "generator": optional name}."""

    def __init__(self, settings: Settings, retriever: HybridRetriever) -> None:
        self.settings = settings
        self.retriever = retriever
        self.extractive = ExtractiveGenerator()
        self._chat: dict[str, ChatGenerator] = {}
        self._guards: dict[str, PromptGuard] = {}

    # --- choosing a generator -----------------------------------------------------------------

    def default_generator(self) -> str:
        if self.settings.generator != "auto":
            return self.settings.generator
        return "local" if local_model_path(self.settings).exists() else "extractive"

    def generator(self, name: str | None):
        name = name or self.default_generator()
        if name == "extractive":
            return self.extractive
        if name not in ("local", "openai"):
            raise UserError(f"Unknown generator {name!r}: use local, openai or extractive.")
        if name not in self._chat:
            self._chat[name] = ChatGenerator(self.settings, name)
        return self._chat[name]

    # --- the Runnable -------------------------------------------------------------------------

    def invoke(self, input: dict, config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        return deque(self.stream(input, config, **kwargs), maxlen=1)[0]

    def stream(self, input: dict, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[Answer]:
        started = time.perf_counter()
        question, notice = clean_query(str(input.get("question", "")), self.settings.max_query_chars)
        history = [Message.model_validate(m) for m in input.get("history") or []]
        lang = detect_language(question)
        notices = [notice] if notice else []
        if not self.retriever.asks_something(question):
            yield self._nothing_to_ask(question, lang, notices, started)
            return

        t0 = time.perf_counter()
        query = standalone(question, history)
        evidence, note = self.retriever.retrieve(query, input.get("k") or self.settings.k, asked=question)
        timings = Timings(retrieve_ms=_ms(t0))
        if not evidence or note:
            yield self._not_said(question, lang, evidence, note, notices, timings, started, "extractive", None)
            return

        generator = self.generator(input.get("generator"))
        draft, t1 = "", time.perf_counter()
        # A model reads a follow-up ("And where?") after the question it follows; the extractive
        # generator picks clauses by the follow-up's own words.
        asked = question if generator is self.extractive else query
        try:
            for piece in generator.stream(asked, lang, evidence, config):
                draft += piece
                if not self._echoes_prompt(generator, draft):  # a draft reciting the prompt is never shown
                    yield self._answer(question, draft, lang, [], generator, notices, timings, draft=True)
        except Exception as exc:  # a missing, corrupt, slow or dead model must not cost the answer
            log.warning("generator %s failed", generator.name, exc_info=True)
            notices.append(FALLBACK.format(name=generator.name, reason=_reason(exc, secrets_of(self.settings))))
            generator = self.extractive
            draft = self.extractive.draft(question, lang, evidence)
        timings.generate_ms = _ms(t1)

        t2 = time.perf_counter()
        if NOT_IN_TEXT in draft.upper():
            yield self._not_said(
                question, lang, evidence, None, notices, timings, started, generator.name, generator.model
            )
            return
        checked = verify(draft, evidence)
        if self._echoes_prompt(generator, checked.text):
            log.warning("the %s model's answer repeats its system prompt; dropped", generator.name)
            checked.text = ""
        if not checked.text and generator is not self.extractive:
            notices.append("The model's answer could not be verified against the text; this answer is extractive.")
            generator = self.extractive
            checked = verify(self.extractive.draft(question, lang, evidence), evidence)
        if checked.text and generator is not self.extractive and self._add_best(question, lang, evidence, checked):
            notices.append(QUOTED)
        if checked.attributed:
            notices.append(
                f"{checked.attributed} sentence(s) had no marker; the verifier cited the paragraph holding them."
            )
        if checked.recited:
            notices.append(
                f"{checked.recited} sentence(s) cited a paragraph that does not hold them; "
                "the verifier cited the one that does."
            )
        if checked.dropped and checked.text:
            notices.append(f"{len(checked.dropped)} sentence(s) not supported by the cited paragraphs were removed.")
        timings.verify_ms = _ms(t2)
        timings.total_ms = _ms(started)
        if not checked.text or not gives_asked_fact(question, checked.text):
            yield self._not_said(
                question, lang, evidence, None, notices, timings, started, generator.name, generator.model
            )
            return
        answer = self._answer(question, checked.text, lang, checked.citations, generator, notices, timings)
        yield answer

    # --- helpers ------------------------------------------------------------------------------

    def _add_best(self, question: str, lang: Lang, hits: list[Hit], checked: Verified) -> bool:
        """A model's answer that does not cite the best paragraph retrieved is followed by that paragraph's
        words: a small model sometimes answers from a weaker paragraph, and the reader should see the best."""
        best = hits[0]
        if best.paragraph in {c.paragraph for c in checked.citations}:
            return False
        quoted = verify(self.extractive.lines(question, lang, [best]), hits)
        if quoted.text:
            checked.text = f"{checked.text}\n\n{quoted.text}"
            checked.citations += quoted.citations
        return bool(quoted.text)

    def _echoes_prompt(self, generator, text: str) -> bool:
        if not getattr(generator, "system", None):
            return False
        if generator.name not in self._guards:
            corpus = [t for by in self.retriever.paragraph_texts().values() for t in by.values()]
            corpus += [*NOT_SAID.values(), *NEAREST.values()]  # the chain's own words are no recitation
            self._guards[generator.name] = PromptGuard(list(generator.system.values()), corpus)
        return self._guards[generator.name].echoed(text)

    def _answer(self, question, text, lang, citations, generator, notices, timings, draft=False) -> Answer:
        return Answer(
            question=question,
            answer=text,
            answerable=True,
            language=lang,
            citations=citations,
            generator=generator.name,
            model=None if draft else generator.model,
            notices=list(notices),
            timings=timings,
            draft=draft,
        )

    def _nothing_to_ask(self, question: str, lang: Lang, notices: list[str], started: float) -> Answer:
        """Symbols, digits, emoji or keyboard mash: no paragraph is near them, so none is shown."""
        return Answer(
            question=question,
            answer=NOTHING_TO_ASK[lang],
            answerable=False,
            language=lang,
            citations=[],
            generator="extractive",
            model=None,
            notices=notices,
            timings=Timings(total_ms=_ms(started)),
        )

    def _not_said(self, question, lang, evidence, note, notices, timings, started, name, model) -> Answer:
        """'The text does not say', what it does cover nearby, and no citation presented as support."""
        parts = [NOT_SAID[lang]]
        if note:
            parts.append(note.text.get(lang, ""))
        nearest = evidence[:2]
        if nearest:
            parts.append(NEAREST[lang].format(ids=", ".join(h.paragraph for h in nearest)))
        timings.total_ms = _ms(started)
        return Answer(
            question=question,
            answer=("" if lang == "zh" else " ").join(p for p in parts if p),
            answerable=False,
            language=lang,
            citations=[_reference(h) for h in nearest],
            generator=name,
            model=model,
            notices=list(notices),
            timings=timings,
        )


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

    def ask(self, question: str, history: list[dict] | None = None, generator: str | None = None) -> Answer:
        return self.chain.invoke({"question": question, "history": history or [], "generator": generator})


__all__ = ["Answer", "AnswerChain", "Assistant", "Lang", "build_chain"]
