"""Expansions generated from the text alone (issue 19, "doc2query"): for each paragraph of the resolution and
of every fetched or added document, a model writes the questions readers would ask that the paragraph answers
and plain keywords, in English and Chinese. They are indexed beside the paragraph as knowledge/expansions.yaml
is, never shown; the hand-written file stays an overlay in the aided index (`Settings.aids`).

- Writing them is `assistant expand`, apart from `assistant ingest`, which only reads what is cached: the 1.5B
  local model takes seconds a paragraph on two cores, and the first `make run` must answer before it is done.
- Each result is cached in data_dir/expansions/<key>.json, key = sha256 of what the model reads, the model's
  name and the prompt's hash, written atomically as it completes: unchanged text costs nothing again, and a
  run killed half-way resumes where it stopped.
- The local model writes under a llama.cpp grammar (GRAMMAR), so its reply always has the eight lines; an
  OpenAI-compatible endpoint gets no grammar (not every server takes one) and its reply is parsed line by
  line the same way (`parse`). A line that does not parse, or is in the wrong language, is dropped."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field, ValidationError

from .errors import UserError
from .knowledge import Knowledge, split_to_budget
from .llm import chat_model, load_prompt, local_model_path
from .models import Expansion, Lang, ParsedDocument
from .refs import RESOLUTION
from .settings import Settings
from .text import IDEOGRAPH

log = logging.getLogger(__name__)

PROMPT_FILE = "expand.md"
NAMES = {"zh": "Chinese", "en": "English"}
MESSAGE = "Paragraph ({language}): {text}"  # one per language the paragraph is held in
# The eight lines the prompt asks for, in the order it asks. The bounds keep a small model from rambling: the
# longest reply they allow is about 390 tokens of Qwen2.5, under Settings.expand_tokens.
GRAMMAR = "\n".join(
    [
        "root ::= en-q en-q en-q en-k zh-q zh-q zh-q zh-k",
        'en-q ::= "EN-Q: " [^\\n?]{8,140} "?\\n"',
        'en-k ::= "EN-K: " [^\\n]{3,160} "\\n"',
        'zh-q ::= "ZH-Q: " [^\\n?？]{4,60} "？\\n"',
        'zh-k ::= "ZH-K: " [^\\n]{2,80} "\\n"',
    ]
)
MAX_QUESTIONS = 3  # what the prompt asks for; a server without the grammar may write more
MAX_KEYWORDS = 10
LINE = re.compile(r"^[\s\-*•\d.)]*(EN|ZH)\s*[-_ ]?\s*(Q|K)[A-Za-z]*\s*[:：]\s*(.+?)\s*$", re.IGNORECASE)
KEYWORD_SPLIT = re.compile(r"[,，、;；]")
ACRONYM = re.compile(r"^[A-Z][A-Z0-9/.-]{1,9}$")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class Passage:
    """One paragraph as the model reads it: its texts by language (the resolution's Chinese and English, a
    cited document's one language), each cut to the chunk budget, as the index cuts its first chunk."""

    doc: str
    paragraph: str
    texts: tuple[tuple[Lang, str], ...]

    @property
    def ref(self) -> tuple[str, str]:
        return self.doc, self.paragraph

    def message(self) -> str:
        return "\n\n".join(MESSAGE.format(language=NAMES[lang], text=text) for lang, text in self.texts)


@dataclass(frozen=True)
class Expander:
    """Who writes the expansions: the generator, the model's name and the prompt, with the hash that (with the
    paragraph and the model) keys the cache."""

    generator: Literal["local", "openai"]
    model: str
    prompt: str
    grammar: str

    @property
    def prompt_sha256(self) -> str:
        return hashlib.sha256("\x1f".join([self.prompt, self.grammar, MESSAGE]).encode()).hexdigest()

    def key(self, passage: Passage) -> str:
        return hashlib.sha256("\x1f".join([passage.message(), self.model, self.prompt_sha256]).encode()).hexdigest()

    def record(self, passage: Passage, expansion: Expansion, raw: str = "", seconds: float = 0.0) -> Record:
        """What this expander wrote for a passage, as the cache keeps it, with its provenance."""
        return Record(
            key=self.key(passage),
            generator=self.generator,
            model=self.model,
            prompt_sha256=self.prompt_sha256,
            created=dt.datetime.now(dt.UTC),
            seconds=round(seconds, 2),
            raw=raw,
            expansion=expansion,
        )


class Record(BaseModel):
    """One paragraph's expansion as cached, with its provenance."""

    key: str = Field(description="sha256 of what the model read, the model's name and the prompt's hash.")
    generator: Literal["local", "openai"]
    model: str
    prompt_sha256: str
    created: dt.datetime
    seconds: float = Field(description="How long the model took over this paragraph.")
    raw: str = Field(description="The model's reply as it came, before parsing.")
    expansion: Expansion = Field(description="What parsed; empty when nothing did (then nothing is indexed).")


def expander(settings: Settings) -> Expander | None:
    """The expander the settings choose (`Settings.expander`), None when expansions are off. The prompt comes
    from `prompts_dir` when that folder holds one, else from the package: a folder of answer prompts written
    before expansions existed still works."""
    if settings.expander == "none":
        return None
    folder = settings.prompts_dir if settings.prompts_dir and (settings.prompts_dir / PROMPT_FILE).is_file() else None
    prompt = load_prompt(PROMPT_FILE, folder)
    if settings.expander == "local":
        return Expander("local", local_model_path(settings).stem, prompt, GRAMMAR)
    return Expander("openai", settings.openai_model, prompt, "")


def passages(settings: Settings, knowledge: Knowledge, docs: list[ParsedDocument]) -> list[Passage]:
    """Every paragraph an expansion is written for: the resolution's (not the catalogue's descriptions or the
    scope notes, which are the project's own words) and every paragraph of each parsed document."""

    def cut(text: str) -> str:
        return split_to_budget(text.strip(), settings.chunk_tokens)[0]

    out = []
    for pid, paragraph in knowledge.paragraphs.items():
        texts: list[tuple[Lang, str]] = [("zh", cut(paragraph.text))]
        if english := knowledge.english.get(pid):
            texts.append(("en", cut(english)))
        out.append(Passage(RESOLUTION, pid, tuple(texts)))
    for doc in docs:
        out += [Passage(doc.symbol, doc.key(p.id), ((doc.lang, cut(p.text)),)) for p in doc.paragraphs if p.text]
    return out


# --- Parsing -------------------------------------------------------------------------------------


def parse(reply: str, cut_off: bool = False) -> Expansion:
    """The questions and keywords of a reply in the eight-line form; whatever is not in that form, or not in the
    language its line names, is dropped. `cut_off`: the reply hit its token limit, so its last line may be cut."""
    lines = reply.splitlines()
    if cut_off and lines:
        lines.pop()
    questions: dict[Lang, list[str]] = {"en": [], "zh": []}
    keywords: dict[Lang, list[str]] = {"en": [], "zh": []}
    for line in lines:
        if not (match := LINE.match(line)):
            continue
        lang: Lang = "zh" if match.group(1).lower() == "zh" else "en"
        value = match.group(3)
        if match.group(2).lower() == "q":
            if _is_question(value, lang) and value not in questions[lang]:
                questions[lang].append(value)
        else:
            keywords[lang] += [w for w in _keywords(value, lang) if w not in keywords[lang]]
    return Expansion(
        questions={lang: qs[:MAX_QUESTIONS] for lang, qs in questions.items() if qs},
        keywords={lang: ks[:MAX_KEYWORDS] for lang, ks in keywords.items() if ks},
    )


def _in_language(text: str, lang: Lang) -> bool:
    """Chinese: a third of its characters are ideographs; English: none are, and it has a Latin word."""
    ideographs = len(IDEOGRAPH.findall(text))
    if lang == "zh":
        return ideographs * 3 >= len(text.replace(" ", ""))
    return ideographs == 0 and bool(LATIN_WORD.search(text))


def _is_question(text: str, lang: Lang) -> bool:
    shortest, longest = (4, 100) if lang == "zh" else (8, 200)
    return shortest <= len(text) <= longest and text[-1] in "?？" and _in_language(text, lang)


def _keywords(value: str, lang: Lang) -> list[str]:
    words = [w.strip(" \"'“”‘’.。") for w in KEYWORD_SPLIT.split(value)]
    return [w for w in words if 0 < len(w) <= 40 and (_in_language(w, lang) or ACRONYM.match(w))]


# --- The cache -----------------------------------------------------------------------------------


class Cache:
    """data_dir/expansions/<key>.json. Each file is written to a temporary name and renamed, so a kill leaves
    either the whole record or none; a damaged file reads as missing and is written again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def get(self, key: str) -> Record | None:
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            return Record.model_validate_json(path.read_bytes())
        except (ValidationError, ValueError, OSError):
            log.warning("The cached expansion %s cannot be read; it will be written again.", path, exc_info=True)
            return None

    def put(self, record: Record) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(record.model_dump(mode="json"), ensure_ascii=False, indent=1))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path(record.key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


# --- What an ingest indexes ----------------------------------------------------------------------


@dataclass
class Generated:
    """The cached expansions an ingest indexes, by (document, paragraph), and one sentence on the paragraphs
    still without one ("" when none lacks one, or expansions are off)."""

    found: dict[tuple[str, str], list[Expansion]] = field(default_factory=dict)
    note: str = ""


def cached(settings: Settings, every: list[Passage]) -> Generated:
    """What the cache holds for these paragraphs, written by the expander the settings choose. Never calls a
    model."""
    who = expander(settings)
    if who is None:
        return Generated()
    cache, generated, missing = Cache(settings.expansions_dir), Generated(), 0
    for passage in every:
        record = cache.get(who.key(passage))
        if record is None:
            missing += 1
        elif record.expansion.questions or record.expansion.keywords:
            generated.found.setdefault(passage.ref, []).append(record.expansion)
    if missing:
        generated.note = _missing_note(settings, who, missing, len(every))
    return generated


def _missing_note(settings: Settings, who: Expander, missing: int, total: int) -> str:
    if who.generator == "local" and not local_model_path(settings).is_file():
        return (
            f"Expansions were skipped for {missing} of {total} paragraphs: no local model is installed "
            "(`assistant model install`, then `assistant expand`)."
        )
    return f"{missing} of {total} paragraphs have no generated expansions yet: `assistant expand` writes them."


# --- Writing them --------------------------------------------------------------------------------


@dataclass
class ExpandReport:
    generated: int = 0
    cached: int = 0
    failed: int = 0
    seconds: float = 0.0


def expand(
    settings: Settings, every: list[Passage], progress: Callable[[int, int], None] | None = None
) -> ExpandReport:
    """Write the expansions of these paragraphs the cache lacks, each stored as soon as it is made. A paragraph
    the model fails on is logged and left for the next run; `progress(done, total)` follows those written."""
    who = expander(settings)
    if who is None:
        raise UserError("Generated expansions are off (ASSISTANT_EXPANDER=none): set it to local or openai.")
    cache = Cache(settings.expansions_dir)
    unique = {who.key(p): p for p in every}
    todo = [(key, p) for key, p in unique.items() if cache.get(key) is None]
    report = ExpandReport(cached=len(unique) - len(todo))
    if not todo:
        return report
    with _one_writer(settings):
        llm = chat_model(settings, who.generator)
        started = time.monotonic()
        for done, (_, passage) in enumerate(todo, start=1):
            try:
                cache.put(_write(llm, who, passage, settings.expand_tokens))
                report.generated += 1
            except Exception:
                log.exception("The expansion of %s %s failed", *passage.ref)
                report.failed += 1
            if progress:
                progress(done, len(todo))
        report.seconds = time.monotonic() - started
    return report


def _write(llm, who: Expander, passage: Passage, max_tokens: int) -> Record:
    extra = {"extra_body": {"grammar": who.grammar}} if who.grammar else {}
    started = time.monotonic()
    reply = llm.invoke([SystemMessage(who.prompt), HumanMessage(passage.message())], max_tokens=max_tokens, **extra)
    raw = str(reply.content)
    cut_off = reply.response_metadata.get("finish_reason") == "length"
    return who.record(passage, parse(raw, cut_off), raw, time.monotonic() - started)


@contextmanager
def _one_writer(settings: Settings) -> Iterator[None]:
    """One `assistant expand` at a time per data directory: a second would write the same paragraphs again."""
    settings.expansions_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(settings.expansions_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError("Another `assistant expand` is writing expansions in this data directory.") from None
        yield
    finally:
        os.close(fd)
