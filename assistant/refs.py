"""Where every paragraph reference is defined, made, parsed and named; every other module goes through here.

A reference is a paragraph ID within a document. Answers cite it by its key, inside a marker:

  HEADER, SPONSORS          the resolution's masthead and its sponsors' line (born in parsing.py)
  PP3, OP5, FN2             its preambular and operative paragraphs and its footnotes
  CAT:A/74/130              the project's catalogue entry for a document the resolution cites
  SCOPE:votes               a note on a topic the text does not cover (SCOPE:no-OP9: a paragraph it lacks);
                            shown as an answer, never cited in a marker
  A/74/130 ¶12              a paragraph of a cited document: its symbol, then its ID there (born in
                            sources/documents.py): ¶12, ¶12(b), OP5(a)(i), PP2, HEADER, FN3, annex ¶5,
                            annex II ¶3, II.A ¶3, §4 ¶1, intro ¶2
  [OP3], [PP6, FN1], [A/74/130 ¶12]   markers, as answers carry them

The resolution's own IDs, catalogue keys and scope notes are written bare (the resolution's symbol is
implied); a cited document's IDs are written after its symbol, so the same ID in two documents
never collides."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Lang

RESOLUTION = "A/C.3/74/L.11/Rev.1"
HEADER = "HEADER"
SPONSORS = "SPONSORS"
PREAMBULAR, OPERATIVE, FOOTNOTE, PARAGRAPH = "PP", "OP", "FN", "¶"
CATALOGUE = "CAT:"
SCOPE = "SCOPE:"

# A UN document symbol: a series of one or two capitals, then parts separated by slashes, e.g.
# A/74/130, E/2017/30, A/RES/70/174, A/C.3/74/L.11/Rev.1, E/CN.15/2019/L.5, A/HRC/RES/20/8,
# S/2019/1-Add.1. The same pattern finds symbols in text (facts.py), checks a typed one before it
# is fetched (sources/fetching.py), spots one printed at the head of a page (sources/readers.py), keeps one whole as
# a search term (lexical.py, in any case) and reads the key of a cited document's paragraph.
DOC_SYMBOL = r"[A-Z]{1,2}(?:/[A-Za-z0-9.\-]+)+"
SYMBOL = re.compile(DOC_SYMBOL)
# What a marker cites bare: the resolution's own IDs and catalogue keys.
RESOLUTION_IDS = r"HEADER|SPONSORS|PP\d{1,2}|OP\d{1,2}|FN\d{1,2}|CAT:\S+"
RESOLUTION_ID = re.compile(RESOLUTION_IDS)
SCOPE_KEY = re.compile(r"SCOPE:\S+")
# An ID within a cited document (sources/documents.py): an annex, then a section qualifier, then the paragraph.
DOC_PARAGRAPH_ID = (
    r"(?:annex(?: [IVX]{1,5})? )?(?:(?:[IVX]{1,5}(?:\.[A-H])?|§\d+|intro) )?"
    r"(?:HEADER|PP\d+|OP\d+|FN\d+|¶\d+)(?:\([a-z]{1,6}\))*"
)
DOC_KEY = re.compile(rf"{DOC_SYMBOL} {DOC_PARAGRAPH_ID}")
MARKER = re.compile(r"\[([^\[\]]{2,120})\]")
# Two ways running text names paragraphs without a marker. The verifier sets aside any bare ID it cites
# and the "see" before one ("见 PP8", "According to PP14, ..."): references, not claims or names. The
# support judge sets aside only numbered paragraphs (PP3, OP2, FN5); HEADER or a catalogue key stays
# a word of the claim it judges.
CITED_ID_IN_TEXT = re.compile(rf"\b(?:{RESOLUTION_IDS})\b|(?:see|See)\b")
NUMBERED_ID_IN_TEXT = re.compile(r"\b(?:PP|OP|FN)\d{1,2}\b")
NUMBERED_ID = re.compile(r"(PP|OP|FN)(\d+)")
DOC_NAME = re.compile(r"(PP|OP|¶|FN)(\d+)(.*)$")
SUBPARAGRAPHS = re.compile(r"(\([a-z]{1,6}\))+$")

RESOLUTION_NAMES = {
    PREAMBULAR: {"en": "Preambular paragraph {n}", "zh": "序言部分第 {n} 段"},
    OPERATIVE: {"en": "Operative paragraph {n}", "zh": "执行部分第 {n} 段"},
    FOOTNOTE: {"en": "Footnote {n}", "zh": "脚注 {n}"},
    HEADER: {"en": "Heading", "zh": "标题"},
    SPONSORS: {"en": "Sponsors", "zh": "提案国"},
}
DOC_NAMES = {
    "en": {
        PREAMBULAR: "preambular paragraph",
        OPERATIVE: "operative paragraph",
        PARAGRAPH: "paragraph",
        FOOTNOTE: "footnote",
    },
    "zh": {
        PREAMBULAR: "序言部分第 {n} 段",
        OPERATIVE: "执行部分第 {n} 段",
        PARAGRAPH: "第 {n} 段",
        FOOTNOTE: "脚注 {n}",
    },
}


# --- making IDs ----------------------------------------------------------------------------------


def numbered(series: str, number: int | str) -> str:
    """PP3, OP5, FN2 (and ¶12 in a cited document): a series and a number as printed."""
    return f"{series}{number}"


def subparagraph(parent: str, tag: str) -> str:
    """OP5(a), ¶12(b)(i): a lettered or roman sub-paragraph of `parent`."""
    return f"{parent}({tag})"


def without_subparagraphs(pid: str) -> str:
    """OP5(a)(i) -> OP5: the numbered paragraph a sub-paragraph belongs to."""
    return SUBPARAGRAPHS.sub("", pid)


def under(label: str, pid: str) -> str:
    """II.A ¶3, §4 ¶1: an ID qualified by the heading it stands under, where numbering starts again."""
    return f"{label} {pid}"


def annex_prefix(number: str) -> str:
    """'annex ' or 'annex II ': what every ID inside an annex starts with."""
    return f"annex {number} ".replace("  ", " ")


# --- reading IDs ---------------------------------------------------------------------------------


def catalogue_id(key: str) -> str | None:
    """CAT:A/74/130 -> A/74/130, the catalogue entry's id; None for any other key."""
    return key.removeprefix(CATALOGUE) if key.startswith(CATALOGUE) else None


def scope_id(key: str) -> str | None:
    """SCOPE:votes -> votes, the scope note's id; None for any other key."""
    return key.removeprefix(SCOPE) if key.startswith(SCOPE) else None


def series(pid: str) -> str | None:
    """OP3 -> OP: the series of a numbered paragraph of the resolution; None for anything else."""
    match = NUMBERED_ID.fullmatch(pid)
    return match.group(1) if match else None


def footnote_number(fid: str) -> str:
    """FN2 -> 2, as a footnote's marker is printed."""
    return fid.removeprefix(FOOTNOTE)


def paragraph_name(pid: str, lang: Lang) -> str:
    """How a reader names a paragraph of a cited document: 'annex, paragraph 5 (a)', '附件第 5 段'."""
    if pid == HEADER:
        return "heading" if lang == "en" else "标题"
    annex = pid.startswith("annex")
    match = DOC_NAME.search(pid)
    if not match:
        return pid
    kind, n, rest = match.groups()
    if lang == "en":
        name = f"{DOC_NAMES['en'][kind]} {n}{(' ' + rest) if rest else ''}"
        return f"annex, {name}" if annex else name
    name = DOC_NAMES["zh"][kind].format(n=n) + rest
    return f"附件{name}" if annex else name


def resolution_name(pid: str, lang: Lang) -> str:
    """How a reader names a paragraph of the resolution: 'Operative paragraph 3', '脚注 5', 'Heading'."""
    names = RESOLUTION_NAMES.get(pid) or RESOLUTION_NAMES.get(pid[:2])
    if names is None:
        raise ValueError(f"{pid!r} is not a paragraph of the resolution such as PP3, OP2, FN5 or HEADER.")
    return names[lang].format(n=re.sub(r"\D", "", pid))


@dataclass(frozen=True)
class Ref:
    """A paragraph as answers cite it: `doc` is the cited document's symbol, or None for the
    resolution's own IDs, catalogue keys and scope notes, which are written bare."""

    doc: str | None
    pid: str

    @classmethod
    def parse(cls, key: str) -> Ref:
        """The reference a key names ('OP3', 'CAT:A/74/130', 'SCOPE:votes', 'A/74/130 annex ¶5(a)')."""
        if RESOLUTION_ID.fullmatch(key) or SCOPE_KEY.fullmatch(key):
            return cls(None, key)
        if DOC_KEY.fullmatch(key):
            symbol, _, pid = key.partition(" ")
            return cls(symbol, pid)
        raise ValueError(f"{key!r} is not a paragraph reference such as PP3, OP2, FN5, CAT:A/74/130 or A/74/130 ¶12.")

    @classmethod
    def catalogue(cls, entry_id: str) -> Ref:
        return cls(None, f"{CATALOGUE}{entry_id}")

    @classmethod
    def scope(cls, note_id: str) -> Ref:
        return cls(None, f"{SCOPE}{note_id}")

    @classmethod
    def missing(cls, pid: str) -> Ref:
        """The note the retriever makes for a paragraph a question names that the text does not have."""
        return cls.scope(f"no-{pid}")

    @property
    def key(self) -> str:
        """As it appears in answers and hits: 'OP3', 'CAT:A/74/130', 'A/74/130 ¶12'."""
        return self.pid if self.doc is None else f"{self.doc} {self.pid}"

    @property
    def marker(self) -> str:
        return f"[{self.key}]"

    def __str__(self) -> str:
        return self.key

    def name(self, lang: Lang) -> str:
        """How a reader names it, as indexed with its text."""
        return resolution_name(self.pid, lang) if self.doc is None else paragraph_name(self.pid, lang)

    def label(self, lang: Lang) -> str:
        """Its title in the source panel: 'Operative paragraph 3 (OP3)', 'Catalogue entry (CAT:A/74/130)'."""
        if self.doc is not None:
            return f"Paragraph {self.key}" if lang == "en" else f"段落 {self.key}"
        if catalogue_id(self.pid) is not None:
            return f"Catalogue entry ({self.pid})" if lang == "en" else f"引用文件目录（{self.pid}）"
        name = resolution_name(self.pid, lang)
        return f"{name} ({self.pid})" if lang == "en" else f"{name}（{self.pid}）"
