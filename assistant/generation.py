"""Generators turn a question and its retrieved paragraphs into a draft with [ID] markers. Drafts
are never shown as they are: verification (verification.py) decides what survives.

- extractive: no model; quotes the parts of the retrieved paragraphs that answer.
- local / openai: an LLM through ChatOpenAI, prompted from assistant/prompts/ (or Settings.prompts_dir)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig

from .models import Hit, Lang
from .settings import Settings
from .text import SHORT_PARAGRAPH, best_span

NOT_IN_TEXT = "NOT IN TEXT"
RUNNER_UP = 0.7  # a further paragraph is quoted when its score is this close to the best


def evidence(hits: list[Hit], most: int = 3) -> list[Hit]:
    """The paragraphs an answer rests on: the best hit and those scoring nearly as well."""
    return [h for h in hits[:most] if h.score >= RUNNER_UP * hits[0].score] if hits else []


class ExtractiveGenerator:
    name = "extractive"
    model = None

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

    def __init__(self, settings: Settings, kind: str) -> None:
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

    def stream(self, question: str, lang: Lang, hits: list[Hit], config: RunnableConfig | None) -> Iterator[str]:
        chosen = evidence(hits, self.settings.context_paragraphs)
        extra = (
            {"extra_body": {"grammar": answer_grammar([h.paragraph for h in chosen])}} if self.name == "local" else {}
        )
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
