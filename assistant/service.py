"""What the web UI and the HTTP API share: one answer chain, one queue per model instance, the
paragraph viewer's data, and the feedback log.

A model instance writes one answer at a time (llama.cpp runs one slot; a remote endpoint is paid per
call), so LLM questions take a ticket and wait their turn, and the caller sees its place in the line.
Extractive answers never take a ticket: they are not stuck behind a generation."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, Field

from . import __version__
from .chain import AnswerChain, build_chain
from .errors import BadInput, IndexRebuilt, UserError
from .indexing import make_store
from .knowledge import Knowledge, heading, load
from .llm import local_model_path
from .models import Answer, CatalogueEntry, Citation, GeneratorName, Kind, Question, generator_name
from .refs import RESOLUTION, Ref, catalogue_id
from .retrieval import HybridRetriever
from .settings import Settings

VERDICTS = ("helpful", "wrong citation", "wrong answer")


class Queued(BaseModel):
    """Streamed instead of an Answer while a question waits for its model."""

    generator: GeneratorName
    position: int = Field(description="Questions ahead of this one, the one being answered included.")


class FootnoteView(BaseModel):
    id: str
    zh: str
    en: str


class ParagraphView(BaseModel):
    """One paragraph as the source panel and GET /api/paragraphs/{id} show it."""

    doc: str
    id: str
    kind: Kind
    label: dict[str, str] = Field(description="How readers name it, by language: 'Operative paragraph 3 (OP3)'.")
    zh: str = Field(description="Official text (Chinese).")
    en: str = Field(description="The project's unofficial English rendering.")
    markers: list[tuple[int, str]] = Field(
        default_factory=list, description="(offset in zh, footnote ID) of each footnote marker."
    )
    footnotes: list[FootnoteView] = Field(default_factory=list)
    catalogue: list[CatalogueEntry] = Field(
        default_factory=list, description="Documents the paragraph cites (directly or in its footnotes)."
    )
    cited_by: list[str] = Field(default_factory=list, description="Paragraphs that cite this footnote or document.")


class Health(BaseModel):
    status: str = Field("ok", description="ok, or unavailable when questions cannot be answered (see error).")
    error: str | None = Field(None, description="Why not, and what to do: the sentence a question would get.")
    version: str = __version__
    generator: str = Field(description="The default generator: what answers when a request names none.")
    model: str | None = Field(description="The default generator's model, if it has one.")
    paragraphs: int = Field(description="Paragraphs of the resolution known to the viewer.")


class Feedback(BaseModel):
    """One line of data_dir/feedback.jsonl: a reader's verdict on an answer, for growing the eval set."""

    time: str
    verdict: str
    question: str
    answer: str
    answerable: bool
    citations: list[Citation]
    generator: str
    model: str | None


class ModelQueue:
    """First come, first served, one at a time; every waiter can ask how many are ahead of it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._line: deque[object] = deque()

    @contextmanager
    def ticket(self) -> Iterator[object]:
        me = object()
        with self._cond:
            self._line.append(me)
        try:
            yield me
        finally:
            with self._cond:
                self._line.remove(me)
                self._cond.notify_all()

    def wait(self, me: object, timeout: float) -> int:
        """Waits up to `timeout` seconds for `me` to reach the head; returns how many are still ahead."""
        with self._cond:
            self._cond.wait_for(lambda: self._line[0] is me, timeout)
            return self._line.index(me)

    def __len__(self) -> int:
        with self._cond:
            return len(self._line)


class Service:
    def __init__(self, settings: Settings | None = None, chain: AnswerChain | None = None) -> None:
        self.settings = settings or Settings()
        self.chain = chain or build_chain(self.settings)
        self.knowledge: Knowledge = load(self.settings)
        self.queues: dict[GeneratorName, ModelQueue] = {"local": ModelQueue(), "openai": ModelQueue()}
        self._feedback_lock = threading.Lock()
        self._reload_lock = threading.Lock()

    # --- the index ------------------------------------------------------------------------------

    def follow_index(self, gone: bool = False) -> None:
        """An ingest in another process moves the pointer to a new generation (and the second one
        deletes the generation this server loaded): load the new one and swap the whole retriever in
        with one assignment, so a question already under way finishes on the one it started with.
        `gone`: the loaded generation was found deleted, so reload even if the pointer looks unchanged."""
        if not gone and self.chain.retriever.store.is_live():
            return
        with self._reload_lock:
            current = self.chain.retriever
            if current is not self.chain.retriever or (not gone and current.store.is_live()):
                return
            store = make_store(self.settings)
            fresh = HybridRetriever(settings=current.settings, store=store, embedder=current.embedder, k=current.k)
            self.chain.retriever = fresh.load()

    # --- answering ------------------------------------------------------------------------------

    def default_generator(self) -> GeneratorName:
        return self.chain.default_generator()

    def model_name(self, generator: GeneratorName | None = None) -> str | None:
        """The model a generator would use, named without loading it."""
        name = generator or self.default_generator()
        if name == "local":
            return local_model_path(self.settings).stem
        if name == "openai":
            return self.settings.openai_model
        return None

    def stream(
        self, question: str, history: list[dict] | None = None, generator: str | None = None, k: int | None = None
    ) -> Iterator[Answer | Queued]:
        """Drafts, then the verified Answer; LLM questions first wait their turn, reporting their place."""
        name = generator_name(generator or self.default_generator())
        request = Question.of({"question": question, "history": history or [], "generator": name, "k": k})
        if name == "extractive":
            yield from self._answers(request)
            return
        queue = self.queues[name]
        with queue.ticket() as me:
            ahead = queue.wait(me, 0)
            while ahead:
                yield Queued(generator=name, position=ahead)
                ahead = queue.wait(me, 0.5)
            yield from self._answers(request)

    def _answers(self, request: Question) -> Iterator[Answer]:
        """The chain's answers on the live index. Retrieval comes before the first answer, so a
        generation deleted under it is found before anything was shown, and the question is asked once
        more on the new one."""
        self.follow_index()
        try:
            yield from self.chain.stream(request)
        except IndexRebuilt:
            self.follow_index(gone=True)
            yield from self.chain.stream(request)

    def ask(
        self, question: str, history: list[dict] | None = None, generator: str | None = None, k: int | None = None
    ) -> Answer:
        answers = (item for item in self.stream(question, history, generator, k) if isinstance(item, Answer))
        return deque(answers, maxlen=1)[0]  # the last: the verified one

    # --- the viewer ---------------------------------------------------------------------------

    def paragraph_ids(self) -> list[str]:
        return list(self.knowledge.paragraphs)

    def paragraph(self, pid: str) -> ParagraphView:
        k = self.knowledge
        if (entry_id := catalogue_id(pid)) in k.catalogue:
            entry = k.catalogue[entry_id]
            return ParagraphView(
                doc=k.doc(pid),
                id=pid,
                kind="catalogue",
                label={lang: Ref(None, pid).label(lang) for lang in ("en", "zh")},
                zh=k.text(pid, "zh"),
                en=k.text(pid, "en"),
                catalogue=[entry],
                cited_by=entry.cited_in,
            )
        if pid not in k.paragraphs:
            return self._cited_document_paragraph(pid)
        p = k.paragraphs[pid]
        cites = {pid, *p.footnotes}
        return ParagraphView(
            doc=RESOLUTION,
            id=pid,
            kind=p.kind,
            label={lang: heading(pid, lang, p) for lang in ("en", "zh")},
            zh=p.text,
            en=k.english.get(pid, ""),
            markers=[(m.offset, m.footnote) for m in p.markers],
            footnotes=[FootnoteView(id=f, zh=k.text(f, "zh"), en=k.text(f, "en")) for f in p.footnotes],
            catalogue=[e for e in k.catalogue.values() if cites & set(e.cited_in)],
            cited_by=p.cited_by,
        )

    def _cited_document_paragraph(self, pid: str) -> ParagraphView:
        """A paragraph of a cited document fetched into the index (`A/74/130 ¶12`): its text by language."""
        for (doc, paragraph), texts in self.chain.retriever.paragraph_texts().items():
            if paragraph == pid and doc != RESOLUTION:
                label = {lang: Ref(doc, pid.removeprefix(f"{doc} ")).label(lang) for lang in ("en", "zh")}
                return ParagraphView(
                    doc=doc, id=pid, kind="paragraph", label=label, zh=texts.get("zh", ""), en=texts.get("en", "")
                )
        raise BadInput(f"There is no paragraph {pid!r}: use an ID such as PP3, OP2, FN5 or CAT:A/74/130.")

    def health(self) -> Health:
        """Also follows the index, so that health says whether a question could be answered now."""
        name = self.default_generator()
        try:
            self.follow_index()
            error = None
        except UserError as exc:
            error = str(exc)
        return Health(
            status="unavailable" if error else "ok",
            error=error,
            generator=name,
            model=self.model_name(name),
            paragraphs=len(self.knowledge.paragraphs),
        )

    # --- feedback -----------------------------------------------------------------------------

    @property
    def feedback_path(self) -> Path:
        return self.settings.data_dir / "feedback.jsonl"

    def record_feedback(self, answer: Answer, verdict: str) -> Feedback:
        """Appends the verdict to data_dir/feedback.jsonl (append_line)."""
        if verdict not in VERDICTS:
            raise BadInput(f"Unknown verdict {verdict!r}: use helpful, wrong citation or wrong answer.")
        record = Feedback(
            time=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            verdict=verdict,
            question=answer.question,
            answer=answer.answer,
            answerable=answer.answerable,
            citations=answer.citations,
            generator=answer.generator,
            model=answer.model,
        )
        with self._feedback_lock:
            append_line(self.feedback_path, record)
        return record


def append_line(path: Path, record: BaseModel) -> None:
    """One JSON line, appended with a single write on an O_APPEND descriptor: concurrent writers
    (threads or processes) never interleave or truncate each other's lines. A short write (disk
    full) is an error, not a torn line passed over in silence."""
    line = (json.dumps(record.model_dump(mode="json"), ensure_ascii=False) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if os.write(fd, line) != len(line):
            raise OSError(f"short write to {path}")
        os.fsync(fd)
    finally:
        os.close(fd)
