"""Where the paragraph IDs of cited documents are born: blocks (readers.py) become paragraphs with
IDs that stay the same from PDF or DOCX, and in Chinese or English, so the two languages of a
document align by ID the way the resolution and its rendering do.

IDs within a document (the citation key adds the symbol: `A/74/130 ¶12`):

  HEADER                 masthead, agenda item, title (and "The General Assembly,")
  PP3, OP5, OP5(a)(i)    a resolution: preambular paragraphs by order, operative by their number
  ¶12, ¶12(b)            a report: numbered paragraphs and their sub-paragraphs
  annex ¶5, annex PP2    the same inside an annex ("annex II ¶5" when there are several)
  II.A ¶3, §4 ¶1         numbering that starts again under a heading, or unnumbered prose under one:
                         qualified by the heading's number, or by its place (§4 = fourth heading)
  FN3                    footnotes, numbered as printed

Unnumbered text after a numbered paragraph (a quotation, a list) belongs to that paragraph, as
readers cite it. Headings are not paragraphs: each paragraph carries the headings it stands under."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources

from ..facts import zh_numeral
from ..models import DocParagraph, FootnoteMarker, Lang, ParsedDocument, SourceFile
from ..refs import (
    FOOTNOTE,
    HEADER,
    OPERATIVE,
    PARAGRAPH,
    PREAMBULAR,
    annex_prefix,
    numbered,
    subparagraph,
    under,
    without_subparagraphs,
)
from .readers import Block, Extract


@functools.cache
def parser_version() -> str:
    """Parses are kept; any change to the parsing code makes them stale, so its hash is their version.
    Computed when a parse is made or checked, not at import."""
    package = resources.files(__package__)
    code = b"".join(package.joinpath(module).read_bytes() for module in ("readers.py", "documents.py"))
    return hashlib.sha1(code).hexdigest()[:12]


OPENING = re.compile(
    r"^(?:The General Assembly|The Economic and Social Council|The Commission on Crime Prevention and Criminal "
    r"Justice|The Human Rights Council|大会|经济及社会理事会|预防犯罪和刑事司法委员会|人权理事会)\s*[,，]$"
)
ANNEX = re.compile(r"^(?:Annex(?:\s+([IVX]{1,5}))?|附件([一二三四五六七八九十]{0,3}))$")
PARA = re.compile(r"^(\d{1,3})\.\s")
SUB = re.compile(r"^\(([a-z]{1,2}|[ivx]{1,6})\)\s")
SUMMARY = re.compile(r"^(?:Summary|摘要)$")
RESOLUTION_TITLE = re.compile(r"^\d+/\d+\.\s*(\S.*)$")
ROMAN = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def roman(n: int) -> str:
    out = ""
    for value, letters in ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def heading_number(text: str) -> tuple[int, str] | None:
    """(level, number) of a numbered heading: I. -> (1, "I"), 二、 -> (1, "II"), B. -> (2, "B")."""
    match = re.match(r"^([IVX]{1,5}|[A-H]|[一二三四五六七八九十]{1,3})[.、．]", text)
    if not match:
        return None
    number = match.group(1)
    if number[0] in "一二三四五六七八九十":
        return 1, roman(zh_numeral(number))
    if len(number) == 1 and number in "ABCDEFGH":
        return 2, number
    return 1, number


@dataclass
class Scope:
    """The body of the document or one annex: numbering and sections start afresh in each."""

    prefix: str = ""
    used: set[str] = field(default_factory=set)
    current: DocParagraph | None = None  # the paragraph unnumbered text runs on into
    letter: str | None = None  # ID of the last (a)-level sub-paragraph
    numbered: bool = False
    preamble: int = 0
    stack: list[tuple[int, str, str]] = field(default_factory=list)  # (level, label, text) of open headings
    headings: int = 0
    free: dict[str, int] = field(default_factory=dict)  # unnumbered paragraphs per section label

    @property
    def label(self) -> str:
        return self.stack[-1][1] if self.stack else "intro"

    @property
    def section(self) -> str | None:
        return " / ".join(text for _, _, text in self.stack) or None


class Structurer:
    def __init__(self, symbol: str, lang: Lang, extract: Extract) -> None:
        self.symbol, self.lang, self.extract = symbol, lang, extract
        self.resolution = "/RES/" in symbol or any(OPENING.match(b.text) for b in extract.blocks[:60])
        self.paragraphs: list[DocParagraph] = []
        self.headings: list[str] = []
        self.scope = Scope()
        self.annex_title = False  # the block after "Annex" is the annex's title, bold or not

    def run(self) -> tuple[list[DocParagraph], str | None]:
        start = self._body_start()
        head = self.extract.blocks[:start]
        if head:
            # one line, its printed lines set apart by " / ": answers are checked line by line
            masthead = " / ".join(line.strip() for b in head for line in b.text.splitlines() if line.strip())
            self.paragraphs.append(DocParagraph(id=HEADER, kind="header", text=masthead))
        for block in self.extract.blocks[start:]:
            self._take(block)
        self._footnotes()
        return self.paragraphs, self._title(head)

    def _body_start(self) -> int:
        blocks = self.extract.blocks
        for i, b in enumerate(blocks):
            if self.resolution and OPENING.match(b.text):
                return i + 1
        if self.resolution:
            return next((i for i, b in enumerate(blocks) if PARA.match(b.text)), 0)
        for i, b in enumerate(blocks):
            if PARA.match(b.text) or ANNEX.match(b.text) or SUMMARY.match(b.text):
                return i
            if b.heading and heading_number(b.text):
                return i
        return 0

    def _title(self, head: list[Block]) -> str | None:
        for b in head:
            if match := RESOLUTION_TITLE.match(b.text):
                return match.group(1)
        bold = [b.text.replace("\n", " ") for b in head if b.heading and not OPENING.match(b.text)]
        return ": ".join(bold[-2:]) if bold else None

    # --- one block at a time ----------------------------------------------------------------

    def _take(self, block: Block) -> None:
        text = block.text.strip()
        if match := ANNEX.match(text):
            number = match.group(1) or (roman(zh_numeral(match.group(2))) if match.group(2) else "")
            self.scope = Scope(prefix=annex_prefix(number))
            self.headings.append(text)
            self.annex_title = True
            return
        title, self.annex_title = self.annex_title and _title_like(text), False
        if (block.heading or title) and not PARA.match(text) and not SUB.match(text):
            self._heading(text)
            return
        if match := PARA.match(text):
            self._numbered(block, match.group(1))
        elif (match := SUB.match(text)) and self.scope.current is not None:
            self._sub(block, match.group(1))
        else:
            self._unnumbered(block)

    def _heading(self, text: str) -> None:
        scope = self.scope
        scope.headings += 1
        numbered = heading_number(text)
        level, label = numbered if numbered else (3, f"§{scope.headings}")
        while scope.stack and scope.stack[-1][0] >= level:
            scope.stack.pop()
        if numbered and level == 2 and scope.stack:
            label = f"{scope.stack[-1][1]}.{label}"
        scope.stack.append((level, label, text.replace("\n", " ")))
        scope.current, scope.numbered = None, False
        self.headings.append(scope.prefix + text.replace("\n", " "))

    def _numbered(self, block: Block, number: str) -> None:
        scope = self.scope
        base = numbered(OPERATIVE if self.resolution and not scope.prefix else PARAGRAPH, number)
        if base in scope.used:  # numbering started again under a heading
            base = under(scope.label, base)
        scope.used.add(base)
        kind = "operative" if self.resolution and not scope.prefix else "paragraph"
        scope.current = self._emit(scope.prefix + base, kind, block)
        scope.letter, scope.numbered = None, True

    def _sub(self, block: Block, tag: str) -> None:
        scope = self.scope
        letter_id = scope.letter
        is_roman = re.fullmatch(r"[ivx]+", tag) is not None
        after_h = letter_id is not None and letter_id.endswith("(h)") and tag == "i"
        if is_roman and letter_id and not after_h:
            pid = subparagraph(letter_id, tag)
        else:
            parent = scope.current.id if scope.current else ""
            pid = subparagraph(without_subparagraphs(parent), tag)
            scope.letter = pid
        scope.used.add(pid)
        self._emit(pid, "subparagraph", block)
        scope.numbered = True

    def _unnumbered(self, block: Block) -> None:
        scope = self.scope
        if self.resolution and not any(u.startswith((OPERATIVE, PARAGRAPH)) for u in scope.used):
            scope.preamble += 1
            kind = "preamble"
            scope.current = self._emit(scope.prefix + numbered(PREAMBULAR, scope.preamble), kind, block)
            return
        if scope.numbered and self.paragraphs:
            last = self.paragraphs[-1]
            sep = "" if self.lang == "zh" else " "
            shift = len(last.text) + len(sep)
            last.text += sep + block.text.strip()
            last.markers += self._markers(block, shift)
            return
        scope.free[scope.label] = scope.free.get(scope.label, 0) + 1
        pid = scope.prefix + under(scope.label, numbered(PARAGRAPH, scope.free[scope.label]))
        scope.current = self._emit(pid, "paragraph", block)

    def _emit(self, pid: str, kind: str, block: Block) -> DocParagraph:
        paragraph = DocParagraph(
            id=pid,
            kind=kind,
            text=block.text.strip(),
            section=self.scope.section,
            markers=self._markers(block, 0),
        )
        self.paragraphs.append(paragraph)
        return paragraph

    @staticmethod
    def _markers(block: Block, shift: int) -> list[FootnoteMarker]:
        return [FootnoteMarker(footnote=numbered(FOOTNOTE, n), offset=offset + shift) for offset, n in block.markers]

    def _footnotes(self) -> None:
        for number, text in sorted(self.extract.footnotes.items()):
            fid = numbered(FOOTNOTE, number)
            cited_by = [p.id for p in self.paragraphs if fid in [m.footnote for m in p.markers]]
            self.paragraphs.append(DocParagraph(id=fid, kind="footnote", text=text, cited_by=cited_by))


def _title_like(text: str) -> bool:
    return len(text) < 200 and not re.search(r"[.;:,。；：，]$", text)


def structure(symbol: str, lang: Lang, extract: Extract, source: SourceFile) -> ParsedDocument:
    structurer = Structurer(symbol, lang, extract)
    paragraphs, title = structurer.run()
    return ParsedDocument(
        symbol=symbol,
        lang=lang,
        structure="resolution" if structurer.resolution else "report",
        title=title,
        headings=structurer.headings,
        paragraphs=paragraphs,
        source=source,
        parser=parser_version(),
    )
