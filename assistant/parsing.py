"""Where paragraph IDs are born: the PDF-extracted Chinese seed becomes HEADER, SPONSORS, PP1..,
OP1.., FN1.. with footnote markers linked, and the lost line ends of PP12 restored.

The seed's layout carries the structure: a line that starts with white space opens a block,
a line that does not continues it; a rule of underscores opens footnotes, printed where a PDF
page ended, so they may interrupt the preamble."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

from .models import FootnoteMarker, Paragraph, Repair
from .refs import FOOTNOTE, HEADER, OPERATIVE, PREAMBULAR, SPONSORS, numbered
from .text import join_lines

FOOTNOTE_RULE = re.compile(r"^\s*_{5,}\s*$")
FOOTNOTE_LINE = re.compile(r"^\s*([1-9]\d?)\s+(\S.*)$")
OPERATIVE_NUMBER = re.compile(r"^(\d+)\.\s")
# A footnote marker: a bare digit right after a Chinese comma or semicolon (and an optional closing
# bracket), followed by white space or the end of the block, e.g. "第 22/8 号决议，1 其中".
MARKER = re.compile(r"(?<=[，；。》”])\s*([1-9])(?=\s|$)")
SPONSORS_END = "订正决议草案"


class SeedError(ValueError):
    """The seed does not have the structure the parser relies on."""


@dataclass
class Block:
    lines: list[int] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    footnote: int | None = None

    def add(self, line_no: int, text: str) -> None:
        self.lines.append(line_no)
        self.parts.append(text.strip())

    @property
    def text(self) -> str:
        return join_lines(self.parts)


def read_blocks(raw: str) -> list[Block]:
    """Split the seed into text blocks and footnote blocks, keeping seed line numbers."""
    blocks: list[Block] = []
    in_footnotes = False
    for line_no, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        if FOOTNOTE_RULE.match(line):
            in_footnotes = True
            continue
        starts_block = line[0].isspace()
        note = FOOTNOTE_LINE.match(line) if in_footnotes and starts_block else None
        if note:
            blocks.append(Block(footnote=int(note.group(1))))
            blocks[-1].add(line_no, note.group(2))
            continue
        if starts_block or not blocks:
            in_footnotes = False
            blocks.append(Block())
        blocks[-1].add(line_no, line)
    return blocks


def take_markers(text: str, expected: int) -> tuple[str, list[FootnoteMarker], int]:
    """Remove inline footnote markers, accepting only the next footnote number in sequence, so a
    number in the prose is never mistaken for a marker."""
    markers: list[FootnoteMarker] = []
    while True:
        match = next((m for m in MARKER.finditer(text) if int(m.group(1)) == expected), None)
        if match is None:
            return text, markers, expected
        start, end = match.span()
        text = (text[:start] + text[end:].lstrip()).rstrip()
        markers.append(FootnoteMarker(footnote=numbered(FOOTNOTE, expected), offset=start))
        expected += 1


def parse_seed(raw: str) -> list[Paragraph]:
    """Parse the seed into paragraphs in document order: HEADER, SPONSORS, PPs, OPs, FNs."""
    blocks = read_blocks(raw)
    notes = [(b.footnote, b) for b in blocks if b.footnote is not None]
    body = [b for b in blocks if b.footnote is None]
    try:
        sponsors_at = next(i for i, b in enumerate(body) if b.text.endswith(SPONSORS_END))
        opening_at = next(i for i, b in enumerate(body) if b.text == "大会，")
    except StopIteration as exc:
        raise SeedError("The seed has no sponsors line or no '大会，' opening.") from exc

    header_blocks = body[:sponsors_at] + body[sponsors_at + 1 : opening_at + 1]
    paragraphs = [
        Paragraph(
            id=HEADER,
            kind="header",
            text="\n".join(part for b in header_blocks for part in b.parts),
            lines=[n for b in header_blocks for n in b.lines],
        ),
        Paragraph(id=SPONSORS, kind="sponsors", text=body[sponsors_at].text, lines=body[sponsors_at].lines),
    ]
    next_marker, pp, op = 1, 0, 0
    for block in body[opening_at + 1 :]:
        text, markers, next_marker = take_markers(block.text, next_marker)
        number = OPERATIVE_NUMBER.match(text)
        if number:
            op += 1
            if int(number.group(1)) != op:
                raise SeedError(f"Operative paragraph {number.group(1)} found where {op} was expected.")
            pid, kind = numbered(OPERATIVE, op), "operative"
        elif op:
            raise SeedError(f"Unnumbered paragraph after OP{op} at seed line {block.lines[0]}.")
        else:
            pp += 1
            pid, kind = numbered(PREAMBULAR, pp), "preamble"
        paragraphs.append(Paragraph(id=pid, kind=kind, text=text, lines=block.lines, markers=markers))

    cited_by = {m.footnote: p.id for p in paragraphs for m in p.markers}
    for footnote, note in notes:
        fid = numbered(FOOTNOTE, footnote)
        if fid not in cited_by:
            raise SeedError(f"Footnote {footnote} has no marker in the text.")
        paragraphs.append(
            Paragraph(id=fid, kind="footnote", text=note.text, lines=note.lines, cited_by=[cited_by[fid]])
        )
    if len(notes) != len(cited_by):
        raise SeedError("A footnote marker in the text has no footnote.")
    return paragraphs


# --- Repair of PP12 ---------------------------------------------------------------------------

PP12_AUTHORITY = (
    "shared/facts.md: the list of resolutions and dates, as in resolution 73/187 (knowledge/catalogue.yaml)"
)


def pp12_text(resolutions: list[tuple[str, dt.date]]) -> str:
    """The full PP12 as the official list reads: '回顾其 1998 年 12 月 4 日第 53/70 号、…和 …号决议，'."""
    items = [f"{d.year} 年 {d.month} 月 {d.day} 日第 {n} 号" for n, d in resolutions]
    return "回顾其 " + "、".join(items[:-1]) + "和 " + items[-1] + "决议，"


def repair_pp12(
    paragraph: Paragraph, raw: str, resolutions: list[tuple[str, dt.date]]
) -> tuple[Paragraph, list[Repair]]:
    """Restore what the extraction cut from PP12's line ends, one logged repair per gap.

    Only insertions are accepted: text present in the extraction but absent from the authority
    means the seed differs in a way this repair cannot vouch for, and it refuses."""
    wanted = pp12_text(resolutions)
    have = paragraph.text
    repairs: list[Repair] = []
    seed_lines = raw.splitlines()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, have, wanted, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op != "insert":
            raise SeedError(
                f"PP12 differs from the list of resolutions at {have[max(0, i1 - 10) : i2 + 10]!r}; "
                "only lost characters can be restored."
            )
        repairs.append(
            Repair(
                paragraph=paragraph.id,
                seed_line=_line_of_offset(i1, paragraph.lines, seed_lines),
                after=have[max(0, i1 - 12) : i1],
                lost=wanted[j1:j2],
                restored=wanted[j1:j2],
                authority=PP12_AUTHORITY,
            )
        )
    return paragraph.model_copy(update={"text": wanted}), repairs


def _line_of_offset(offset: int, lines: list[int], seed_lines: list[str]) -> int:
    """The seed line whose end the gap at `offset` of the joined paragraph follows (the gap may sit
    after the space that joining put at that line end)."""
    for k, line_no in enumerate(lines, start=1):
        if offset <= len(join_lines([seed_lines[n - 1].strip() for n in lines[:k]])) + 1:
            return line_no
    return lines[-1]
