"""Typed records that cross module boundaries: what the parser emits, what the store keeps,
what the retriever returns."""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from .errors import BadInput, invalid_sentence
from .refs import RESOLUTION, Ref

Kind = Literal[
    "header", "sponsors", "preamble", "operative", "footnote", "catalogue", "scope", "paragraph", "subparagraph"
]
Lang = Literal["zh", "en"]
View = Literal["text", "expansion", "generated"]
# What writes an answer; in this order wherever the names are listed (the UI's choice, /v1/models, errors).
GeneratorName = Literal["local", "openai", "extractive"]
GENERATORS: tuple[GeneratorName, ...] = typing.get_args(GeneratorName)


def generator_name(value: object) -> GeneratorName:
    """A generator's name checked, for callers that pass a plain string (the service, the settings)."""
    for name in GENERATORS:
        if value == name:
            return name
    raise BadInput(f"Unknown generator {value!r}: use local, openai or extractive.")


# A paragraph's text by language, keyed by the reference answers cite it by (HybridRetriever.texts_by_ref).
Texts = dict[Ref, dict[str, str]]


class FootnoteMarker(BaseModel):
    footnote: str = Field(description="ID of the footnote the marker points to, e.g. FN1.")
    offset: int = Field(description="Character offset in the paragraph text where the marker stood.")


class Paragraph(BaseModel):
    """One paragraph of a document, addressed the way diplomats cite it (PP3, OP2, FN5)."""

    doc: str = RESOLUTION
    id: str
    kind: Kind
    text: str = Field(description="Official text, markers removed, PDF line breaks joined.")
    lines: list[int] = Field(default_factory=list, description="Seed line numbers it came from.")
    markers: list[FootnoteMarker] = Field(default_factory=list)
    cited_by: list[str] = Field(
        default_factory=list, description="For a footnote: the paragraphs whose markers point to it."
    )

    @property
    def footnotes(self) -> list[str]:
        return [m.footnote for m in self.markers]


class Repair(BaseModel):
    """One restoration of characters the PDF extraction lost."""

    paragraph: str
    seed_line: int
    after: str = Field(description="The text just before the gap, as extracted.")
    lost: str = Field(description="Characters missing from the extraction.")
    restored: str = Field(description="What was put back.")
    authority: str


class CatalogueEntry(BaseModel):
    """A document the resolution cites. Facts only from the text and shared/facts.md."""

    id: str
    symbol: str | None = None
    number: str | None = None
    kind: str
    issuing_body: str | None = None
    date: dt.date | None = None
    year: int | None = None
    title: str | None = None
    title_zh: str | None = None
    published_in: str | None = None
    annex: str | None = None
    cited_in: list[str]
    cited_as_zh: str | None = None
    description_en: str
    description_zh: str
    url: str | None = None
    sources: list[str] = Field(default_factory=list)

    @property
    def key(self) -> str:
        """The ID a catalogue hit carries in place of a paragraph ID."""
        return Ref.catalogue(self.id).key


class ScopeNote(BaseModel):
    """A topic readers ask about that the text does not cover, and what to say instead."""

    id: str
    generic: bool = Field(
        description="True of any UN resolution or report (votes, adoption, later events, people, unrelated tasks): "
        "kept in the unaided index. False: the note names this text's own content and is an aid of this text alone."
    )
    topic_en: str
    topic_zh: str
    statement_en: str
    statement_zh: str
    see_instead: list[str] = Field(default_factory=list)
    names_established: bool = Field(
        False,
        description="True: the names of the bodies the text's operative paragraphs set up "
        "(established.py) join the topic, found anew in whatever text is indexed; no name is written here.",
    )

    @property
    def key(self) -> str:
        return Ref.scope(self.id).key


class Chunk(BaseModel):
    """What goes into the store: one paragraph (or part of one) in one language."""

    id: str = Field(description="Content hash: identical content gives the identical ID.")
    doc: str
    paragraph: str
    lang: Lang
    kind: Kind
    part: int = 0
    view: View = Field(
        "text",
        description="text: the paragraph itself; expansion: what it is about, in hand-written words (indexed, never "
        "shown); generated: what a model wrote it is about (expansion.py; embedded only, never shown).",
    )
    text: str = Field(description="The text shown to readers (empty for an expansion).")
    indexed: str = Field(description="The text embedded and matched: text with its context heading.")
    footnotes: list[str] = Field(default_factory=list)
    cited_by: list[str] = Field(
        default_factory=list,
        description="Paragraphs of the text that cite this one: a footnote's paragraph, a catalogue entry's.",
    )


class Expansion(BaseModel):
    """What a model wrote about one paragraph (expansion.py), parsed: the questions readers would ask that it
    answers and plain keywords, by language. Indexed beside the paragraph, never shown."""

    questions: dict[Lang, list[str]] = Field(default_factory=dict)
    keywords: dict[Lang, list[str]] = Field(default_factory=dict)

    def indexed(self, lang: Lang) -> str:
        """The text indexed in a language: its questions, then its keywords; empty when it has neither."""
        words = ("、" if lang == "zh" else ", ").join(self.keywords.get(lang, []))
        return ("" if lang == "zh" else " ").join([*self.questions.get(lang, []), words]).strip()


class Hit(BaseModel):
    """One retrieved paragraph, with both language versions, as users and other apps see it."""

    doc: str
    paragraph: str
    kind: Kind
    score: float = Field(description="Fused score scaled to 0..1 (1 = first in both rankings).")
    text: dict[str, str] = Field(description="Text by language: zh official, en unofficial rendering.")
    footnotes: list[str] = Field(default_factory=list)
    cited_by: list[str] = Field(
        default_factory=list,
        description="Paragraphs of the text that cite this one: a footnote's paragraph, a catalogue entry's.",
    )


class Message(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class Question(BaseModel):
    """What the chain is asked: the JSON API's request body, and what `AnswerChain.invoke` reads."""

    question: str = Field(description="The question, in Chinese or English.")
    history: list[Message] = Field(default_factory=list, description="Earlier turns, for follow-up questions.")
    generator: GeneratorName | None = Field(None, description="What writes the answer; unset: the server's default.")
    k: int | None = Field(None, ge=1, le=50, description="Paragraphs to retrieve; unset: the server's default.")

    @classmethod
    def of(cls, value: Question | Mapping[str, Any] | str, hint: str = "see `assistant schema question`") -> Question:
        """A question as LangChain callers give it (a dict, or the question alone), checked: a wrong field is
        one sentence naming it (BadInput), as the JSON API says it, not pydantic's echo of the input."""
        if isinstance(value, Question):
            return value
        if isinstance(value, str):
            value = {"question": value}
        try:
            return cls.model_validate(value)
        except ValidationError as exc:
            raise BadInput(invalid_sentence(exc.errors(), hint)) from None


class Citation(BaseModel):
    doc: str = Field(description="Symbol of the document cited.")
    paragraph: str = Field(description="Paragraph ID (PP3, OP2, FN5) or catalogue key (CAT:A/74/130).")
    quote: str = Field(
        description="The shortest verbatim span of the official (Chinese) text that supports the statement's "
        "sentence citing it (the whole paragraph when it is short)."
    )
    translation: str = Field(
        description="The matching span of the English rendering (unofficial for the resolution); empty when "
        "the official text is the English."
    )
    supported: bool = Field(description="True when verification found the cited text to support its sentence.")


class Timings(BaseModel):
    retrieve_ms: float = 0.0
    generate_ms: float = 0.0
    verify_ms: float = 0.0
    total_ms: float = 0.0


class Answer(BaseModel):
    """What every generator returns after verification, and what the CLI, API and UI show."""

    question: str
    answer: str = Field(
        description="The statement: a short direct answer whose sentences end with their paragraph markers "
        "such as [OP3]; the words of the text that support it are the citations' quotes, not part of it."
    )
    answerable: bool = Field(description="False when the text does not answer the question.")
    language: Lang
    citations: list[Citation] = Field(default_factory=list)
    see_also: list[str] = Field(
        default_factory=list,
        description="Paragraph IDs retrieved for the question that the answer does not cite, best first; "
        "shown as 'see also' chips, never as text. Empty when the text does not answer the question (its "
        "nearest paragraphs are then the citations, marked supported=false) and in drafts.",
    )
    generator: GeneratorName = Field(description="extractive, local or openai: what produced the answer.")
    model: str | None = Field(None, description="Model name for LLM generators.")
    notices: list[str] = Field(default_factory=list, description="Things the user should know, e.g. a fallback.")
    timings: Timings = Field(default_factory=Timings)
    draft: bool = Field(False, description="True for the unverified drafts a stream yields before the answer.")


# --- Cited documents fetched from the UN Official Document System (assistant/sources/) ------------


class SourceFile(BaseModel):
    """Provenance of one official file of a cited document, kept beside it in data_dir/sources/."""

    symbol: str
    lang: Lang
    format: Literal["pdf", "docx"]
    path: str = Field(description="File name in the document's folder under data_dir/sources/.")
    sha256: str
    bytes: int
    url: str = Field(description="Where it came from: the URL asked for, or file://... for `sources add`.")
    final_url: str | None = Field(None, description="Where the redirects ended, for a download.")
    retrieved: dt.datetime = Field(description="When it was downloaded or added (UTC).")


class DocParagraph(BaseModel):
    """One paragraph of a cited document. `id` is stable within the document (¶12, OP3, annex ¶5(a));
    the citation key adds the symbol: `A/74/130 ¶12`."""

    id: str
    kind: Kind
    text: str
    section: str | None = Field(None, description="The headings it stands under, outermost first.")
    markers: list[FootnoteMarker] = Field(default_factory=list)
    cited_by: list[str] = Field(default_factory=list, description="For a footnote: paragraphs citing it.")


class ParsedDocument(BaseModel):
    """A cited document in one language, parsed into paragraphs, with where it came from."""

    symbol: str
    lang: Lang
    structure: Literal["resolution", "report"]
    title: str | None = None
    headings: list[str] = Field(default_factory=list)
    paragraphs: list[DocParagraph]
    source: SourceFile
    parser: str = Field("", description="Version of the parsing code; a parse by other code is redone.")

    def key(self, pid: str) -> str:
        """The citation key of a paragraph, as it appears in answers: [A/74/130 ¶12]."""
        return Ref(self.symbol, pid).key
