"""Generators turn a question and its retrieved paragraphs into a draft with [ID] markers. Drafts
are never shown as they are: verification (verification.py) decides what survives.

- extractive: no model; quotes the parts of the retrieved paragraphs that answer.
- local / openai: an LLM through ChatOpenAI, prompted from assistant/prompts/ (or Settings.prompts_dir)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Protocol, runtime_checkable

from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig

from .lexical import tokenize
from .models import GeneratorName, Hit, Lang
from .settings import Settings
from .text import SHORT_PARAGRAPH, best_span, clauses, detect_language

NOT_IN_TEXT = "NOT IN TEXT"
RUNNER_UP = 0.7  # a further paragraph is quoted when its score is this close to the best
PARAGRAPH_NUMBER = re.compile(r"^\d{1,2}\.\s+")
MIN_QUOTE_TOKENS = 3  # a shorter clause ("Decides,") says nothing alone: a quote grammar joins it to the next


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
    name: GeneratorName = "extractive"
    model = None
    is_model = False
    system: Mapping[str, str] = {}

    def draft(self, question: str, lang: Lang, hits: list[Hit]) -> str:
        return self.lines(question, lang, evidence(hits))

    def lines(self, question: str, lang: Lang, hits: list[Hit]) -> str:
        """One quoted line per paragraph given, best first."""
        return "\n".join(self._line(question, lang, h) for h in hits)

    @staticmethod
    def _line(question: str, lang: Lang, hit: Hit) -> str:
        # One bullet per paragraph: the HEADER's line breaks would otherwise split it into unmarked lines.
        zh, en = hit.text.get("zh", "").replace("\n", " "), hit.text.get("en", "").replace("\n", " ")
        if hit.kind == "catalogue":  # the project's own catalogue: no official text to set beside it
            return f"- {hit.text.get(lang, zh)} [{hit.paragraph}]"
        if not zh or not en:  # a cited document held in one language: quoted as it is
            text, text_lang = (zh, "zh") if zh else (en, "en")
            span = text if len(text) <= SHORT_PARAGRAPH else best_span(text, text_lang, question)
            return f"- {span} [{hit.paragraph}]"
        if lang == "zh":
            span = zh if len(zh) <= SHORT_PARAGRAPH else best_span(zh, "zh", question)
            return f"- {span} [{hit.paragraph}]"
        span = en if len(zh) <= SHORT_PARAGRAPH else best_span(en, "en", question)
        official = zh if len(zh) <= SHORT_PARAGRAPH else best_span(zh, "zh", span)
        return f"- {span} (official text: “{official}”) [{hit.paragraph}]"

    def stream(self, question: str, lang: Lang, hits: list[Hit], config: RunnableConfig | None) -> Iterator[str]:
        yield self.draft(question, lang, hits)


def load_prompt(name: str, folder: Path | None = None) -> str:
    """A prompt file: from `folder` (Settings.prompts_dir) when set, else the one shipped in the package."""
    source = folder / name if folder else resources.files("assistant").joinpath("prompts", name)
    return source.read_text(encoding="utf-8").strip()


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
            from .llm import chat_model

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
    marker and a full stop follow); a clause of fewer than MIN_QUOTE_TOKENS words joins the next."""
    lang = detect_language(passage)
    glue = "" if lang == "zh" else " "
    out: list[str] = []
    pending = ""
    for part in clauses(passage.replace("\n", " "), lang):
        pending = f"{pending}{glue}{part.strip()}" if pending else part.strip()
        if len(tokenize(pending)) >= MIN_QUOTE_TOKENS:
            out.append(pending)
            pending = ""
    if pending:
        out.append(f"{out.pop()}{glue}{pending}" if out else pending)
    trimmed = [c.rstrip(" ,;:.，；。：、") for c in out]
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
