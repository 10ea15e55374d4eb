"""The knowledge files: reading and writing them, and turning them into chunks for the store.

knowledge/paragraphs.zh.yaml   official text, made by `assistant parse` from knowledge/sources/
knowledge/repairs.yaml         what the parser restored, and on what authority
knowledge/paragraphs.en.yaml   the project's unofficial English rendering, aligned by ID
knowledge/catalogue.yaml       the documents the text cites
knowledge/expansions.yaml      what each paragraph is about, in readers' words (indexed, never shown)
knowledge/scope.yaml           what readers ask that the text does not say (indexed to recognise it)"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from .errors import UserError
from .established import established
from .models import CatalogueEntry, Chunk, Expansion, Lang, Paragraph, Repair, ScopeNote
from .parsing import parse_seed, repair_pp12
from .refs import FOOTNOTE, RESOLUTION, Ref, catalogue_id, scope_id
from .settings import Settings
from .tokens import count_tokens

SEED = Path("sources/A_C.3_74_L.11_Rev.1.zh.txt")


@dataclass(frozen=True)
class Knowledge:
    """Everything the assistant knows, loaded once: official text, rendering, catalogue."""

    paragraphs: dict[str, Paragraph]
    english: dict[str, str]
    catalogue: dict[str, CatalogueEntry]
    expansions: dict[str, dict[str, str]]
    scope: dict[str, ScopeNote]

    def text(self, pid: str, lang: Lang) -> str:
        if (note_id := scope_id(pid)) is not None:
            note = self.scope[note_id]
            return note.statement_zh if lang == "zh" else note.statement_en
        if (entry_id := catalogue_id(pid)) is not None:
            entry = self.catalogue[entry_id]
            return catalogue_text(entry, lang)
        return self.paragraphs[pid].text if lang == "zh" else self.english[pid]

    def doc(self, pid: str) -> str:
        """A catalogue hit names the document it describes; a paragraph names the resolution."""
        if (entry_id := catalogue_id(pid)) is not None:
            return self.catalogue[entry_id].symbol or entry_id
        return RESOLUTION  # scope notes are about the resolution too

    def footnotes(self, pid: str) -> list[str]:
        return self.paragraphs[pid].footnotes if pid in self.paragraphs else []

    def cited_by(self, pid: str) -> list[str]:
        if (entry_id := catalogue_id(pid)) is not None:
            return self.catalogue[entry_id].cited_in
        return self.paragraphs[pid].cited_by if pid in self.paragraphs else []


def _load_yaml(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_catalogue(knowledge_dir: Path) -> dict[str, CatalogueEntry]:
    entries = _load_yaml(knowledge_dir / "catalogue.yaml")["entries"]
    return {e["id"]: CatalogueEntry.model_validate(e) for e in entries}


def load(settings: Settings) -> Knowledge:
    """The knowledge files; with `aids="none"`, without expansions.yaml and with the generic scope notes only,
    as a document nobody annotated is indexed: what the unaided run of `assistant eval` measures (held-out
    recall@1 0.92 -> 0.82 in each language, false refusals 0.06 -> 0.15; docs/evaluation.md)."""
    kdir = settings.knowledge_dir
    zh = _load_yaml(kdir / "paragraphs.zh.yaml")["paragraphs"]
    en = _load_yaml(kdir / "paragraphs.en.yaml")["paragraphs"]
    aided = settings.aids == "all"
    expansions = _optional(kdir / "expansions.yaml", "paragraphs") if aided else []
    paragraphs = {p["id"]: Paragraph.model_validate(p) for p in zh}
    english = {p["id"]: p["text"].strip() for p in en}
    scope = [with_established(note, paragraphs, english) for note in scope_notes(kdir) if aided or note.generic]
    return Knowledge(
        paragraphs=paragraphs,
        english=english,
        catalogue=load_catalogue(kdir),
        expansions={e["id"]: {"zh": e["zh"].strip(), "en": e["en"].strip()} for e in expansions},
        scope={n.id: n for n in scope},
    )


def with_established(note: ScopeNote, paragraphs: dict[str, Paragraph], english: dict[str, str]) -> ScopeNote:
    """The note with the names of what the text sets up in its topic, where it asks for them (established.py)."""
    if not note.names_established:
        return note
    operative = [pid for pid, p in paragraphs.items() if p.kind == "operative"]
    en = established((english.get(pid, "") for pid in operative), "en")
    zh = established((paragraphs[pid].text for pid in operative), "zh")
    return note.model_copy(
        update={
            "topic_en": f"{note.topic_en} What this text sets up: {'; '.join(en)}." if en else note.topic_en,
            "topic_zh": f"{note.topic_zh}本案文设立或计划的：{'；'.join(zh)}。" if zh else note.topic_zh,
        }
    )


def scope_notes(knowledge_dir: Path) -> list[ScopeNote]:
    """knowledge/scope.yaml's notes; one that is not well formed (a missing `generic`, say) is one sentence."""
    notes = []
    for raw in _optional(knowledge_dir / "scope.yaml", "notes"):
        try:
            notes.append(ScopeNote.model_validate(raw))
        except ValidationError as exc:
            field = ".".join(str(part) for part in exc.errors()[0]["loc"])
            raise UserError(
                f"The scope note {raw.get('id', '?')!r} in knowledge/scope.yaml has a bad or missing {field!r}: fix it."
            ) from exc
    return notes


def _optional(path: Path, key: str) -> list[dict]:
    return _load_yaml(path)[key] if path.exists() else []


def pp12_resolutions(catalogue: dict[str, CatalogueEntry]) -> list[tuple[str, dt.date]]:
    """The resolutions PP12 recalls, by number and date (entries of the catalogue that give both)."""
    return [(e.number, e.date) for e in catalogue.values() if "PP12" in e.cited_in and e.number and e.date]


def parse_knowledge(knowledge_dir: Path) -> tuple[list[Paragraph], list[Repair], str]:
    """Parse the seed and repair PP12; returns paragraphs, the repair log and the seed's sha256."""
    raw_bytes = (knowledge_dir / SEED).read_bytes()
    raw = raw_bytes.decode("utf-8")
    paragraphs = parse_seed(raw)
    repairs: list[Repair] = []
    for i, p in enumerate(paragraphs):
        if p.id == "PP12":
            paragraphs[i], repairs = repair_pp12(p, raw, pp12_resolutions(load_catalogue(knowledge_dir)))
    return paragraphs, repairs, hashlib.sha256(raw_bytes).hexdigest()


class _ReadableDumper(yaml.SafeDumper):
    """Multi-line text as literal blocks and short lists on one line, so diffs read like the text."""


_ReadableDumper.add_representer(
    str,
    lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None),
)
_ReadableDumper.add_representer(
    list,
    lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=all(isinstance(x, int | str) for x in v)),
)


def _dump(data: dict, header: str) -> str:
    body = yaml.dump(data, Dumper=_ReadableDumper, allow_unicode=True, sort_keys=False, width=1000)
    return header + body


def write_parsed(knowledge_dir: Path) -> tuple[int, int]:
    """Write paragraphs.zh.yaml and repairs.yaml from the seed. Returns (paragraphs, repairs)."""
    paragraphs, repairs, digest = parse_knowledge(knowledge_dir)
    meta = {"document": RESOLUTION, "source": str(SEED), "source_sha256": digest}
    (knowledge_dir / "paragraphs.zh.yaml").write_text(
        _dump(
            {
                "meta": meta | {"language": "zh", "status": "official"},
                "paragraphs": [p.model_dump(exclude={"doc"}, exclude_defaults=True) for p in paragraphs],
            },
            "# Official Chinese text, parsed from the seed by `assistant parse` (assistant/parsing.py).\n"
            "# Regenerate rather than edit: tests check this file against the seed.\n",
        ),
        encoding="utf-8",
    )
    (knowledge_dir / "repairs.yaml").write_text(
        _dump(
            {
                "meta": meta | {"checked": "PP12 against the 24 resolutions and dates of catalogue.yaml"},
                "repairs": [r.model_dump() for r in repairs],
            },
            "# Characters the PDF extraction lost, restored by assistant/parsing.py:repair_pp12.\n"
            "# An empty list means the seed's PP12 already names every resolution with its date.\n",
        ),
        encoding="utf-8",
    )
    return len(paragraphs), len(repairs)


# --- Chunks ------------------------------------------------------------------------------------

KIND_ZH = {
    "ga-resolution": "大会决议",
    "ecosoc-resolution": "经济及社会理事会决议",
    "ccpcj-resolution": "预防犯罪和刑事司法委员会决议",
    "sg-report": "秘书长报告",
    "gge-report": "政府专家组报告",
    "official-records": "经济及社会理事会正式记录",
}
KIND_EN = {
    "ga-resolution": "General Assembly resolution",
    "ecosoc-resolution": "Economic and Social Council resolution",
    "ccpcj-resolution": "resolution of the Commission on Crime Prevention and Criminal Justice",
    "sg-report": "report of the Secretary-General",
    "gge-report": "report of the Group of Governmental Experts",
    "official-records": "Official Records of the Economic and Social Council",
}


# What the heading and the sponsors' line of any draft resolution are, indexed with them: a reader asks "What
# committee is handling this draft?" or "哪几个国家提出了本草案？" in words neither holds. Development recall@1
# en/zh 0.90/0.94 -> 0.92/0.96 (aided) and 0.72/0.71 -> 0.74/0.76 (unaided; recall@3 0.80/0.88 -> 0.84/0.92);
# held-out unchanged.
PART_OF_DRAFT: dict[str, dict[Lang, str]] = {
    "header": {
        "en": "the session, committee and agenda item this draft is before, and its title",
        "zh": "本草案提交的届会、委员会和议程项目及其标题",
    },
    "sponsors": {"en": "the States that submit this draft", "zh": "提出本草案的国家"},
}


def heading(pid: str, lang: Lang, paragraph: Paragraph | None = None) -> str:
    """How a reader names a paragraph; prefixed to what is indexed so 'operative paragraph 3'
    or '执行部分第 3 段' finds it."""
    ref = Ref(None, pid)
    if pid.startswith(FOOTNOTE) and paragraph and paragraph.cited_by:
        name, to = ref.name(lang), ", ".join(paragraph.cited_by)
        return f"{name} ({pid}, to {to})" if lang == "en" else f"{name}（{pid}，见 {to}）"
    if paragraph and (part := PART_OF_DRAFT.get(paragraph.kind)):
        return f"{ref.label(lang)}, {part['en']}" if lang == "en" else f"{ref.label(lang)}，{part['zh']}"
    return ref.label(lang)


def catalogue_text(entry: CatalogueEntry, lang: Lang) -> str:
    symbol = entry.symbol or entry.published_in or entry.id
    cited = ", ".join(entry.cited_in)
    if lang == "en":
        when = entry.date.strftime("%-d %B %Y") if entry.date else (str(entry.year) if entry.year else "")
        title = f' "{entry.title}"' if entry.title else ""
        return f"{symbol}: {KIND_EN[entry.kind]}{title}, {when}. Cited in {cited}. {entry.description_en}"
    when = f"{entry.date.year} 年 {entry.date.month} 月 {entry.date.day} 日" if entry.date else ""
    title = f"“{entry.title_zh}”" if entry.title_zh else ""
    when = f"，{when}" if when else ""  # no empty clause ("“…补编第 10 号”，。") where an entry has no date
    return f"{symbol}：{KIND_ZH[entry.kind]}{title}{when}。见 {cited}。{entry.description_zh}"


SENTENCE_ENDS = [r"(?<=[。；;!?！？])", r"(?<=[.])\s", r"(?<=[，、,])"]


def split_to_budget(text: str, budget: int) -> list[str]:
    """Split on sentence ends, then on clause marks, so each piece fits the token budget."""
    if count_tokens(text) <= budget:
        return [text]
    for pattern in SENTENCE_ENDS:
        pieces = [p for p in re.split(pattern, text) if p.strip()]
        if len(pieces) > 1:
            break
    else:
        return [text]  # one unbreakable sentence: keep it whole rather than cut a word
    chunks, current = [], ""
    for piece in pieces:
        if current and count_tokens(current + piece) > budget:
            chunks.append(current)
            current = ""
        current += piece
    chunks.append(current)
    return [c.strip() for part in chunks for c in split_to_budget(part, budget)]


def chunk_id(doc: str, pid: str, lang: str, part: int, view: str, indexed: str, *links: list[str]) -> str:
    """Everything stored with a chunk goes into its ID, so a changed link or view re-ingests it."""
    fields = [doc, pid, lang, str(part), view, indexed, *(",".join(ids) for ids in links)]
    return hashlib.sha1("\x1f".join(fields).encode()).hexdigest()


def build_chunks(
    knowledge: Knowledge, settings: Settings, generated: Mapping[tuple[str, str], list[Expansion]] | None = None
) -> list[Chunk]:
    """One chunk per paragraph and language (more when a paragraph exceeds the token budget);
    footnotes carry the paragraph that cites them, since 'A/74/130。' alone says little. A paragraph's
    expansion is a chunk of its own (view "expansion"): the hand-written one of expansions.yaml where the
    index has it (aids=all), else those a model wrote (`generated`, by (document, paragraph): expansion.py).
    Not both: with both, held-out recall@1 fell 0.92 -> 0.89 in Chinese and recall@3 0.97 -> 0.95 in English."""
    generated = generated or {}
    chunks: list[Chunk] = []
    items = [(pid, p.kind) for pid, p in knowledge.paragraphs.items()]
    items += [(e.key, "catalogue") for e in knowledge.catalogue.values()]
    items += [(n.key, "scope") for n in knowledge.scope.values()]
    scope_notes = {n.key: n for n in knowledge.scope.values()}
    for pid, kind in items:
        paragraph = knowledge.paragraphs.get(pid)
        for lang in ("zh", "en"):
            text = knowledge.text(pid, lang)
            head = heading(pid, lang, paragraph) + ": " if paragraph else ""
            context = ""
            if paragraph and paragraph.cited_by:
                context = " — " + " ".join(knowledge.text(c, lang) for c in paragraph.cited_by)
            views = [("text", piece, head + piece + context) for piece in split_to_budget(text, settings.chunk_tokens)]
            if pid in knowledge.expansions:  # the hand-written overlay stands in for what a model wrote
                views.append(("expansion", "", head + knowledge.expansions[pid][lang]))
            else:
                written = (e.indexed(lang) for e in generated.get((RESOLUTION, pid), []))
                views += [("generated", "", head + text) for text in written if text]
            if kind == "scope":
                note = scope_notes[pid]
                views.append(("expansion", "", note.topic_zh if lang == "zh" else note.topic_en))
            footnotes, cited_by = knowledge.footnotes(pid), knowledge.cited_by(pid)
            for part, (view, shown, indexed) in enumerate(views):
                chunks.append(
                    Chunk(
                        id=chunk_id(knowledge.doc(pid), pid, lang, part, view, indexed, footnotes, cited_by),
                        doc=knowledge.doc(pid),
                        paragraph=pid,
                        lang=lang,
                        kind=kind,
                        part=part,
                        view=view,
                        text=shown,
                        indexed=indexed,
                        footnotes=footnotes,
                        cited_by=cited_by,
                    )
                )
    return chunks
