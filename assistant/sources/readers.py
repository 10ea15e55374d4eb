"""Official files -> blocks of text in reading order, with footnote markers and footnotes apart.

Both readers give the same thing, so one structurer (documents.py) numbers paragraphs whatever the
format, and a document has the same paragraph IDs from its PDF and from its DOCX.

PDF (pdfplumber, which keeps each character's font, size and position): running headers and
footers (the symbol, "3/12", the job number "19-12345") are the lines in the top or bottom margin
that repeat from page to page or have that shape; footnotes are the small-type lines below the
body of a page; a footnote marker is a raised small digit inside a body line. Lines join into a
block until a paragraph number, a blank, an indent after a finished line or a change of bold.

DOCX (python-docx): one block per paragraph, masthead tables included; footnote references are
the `w:footnoteReference` elements of the runs, and the footnotes come from the document's
footnotes part (python-docx has no API for them), numbered in the order they are referenced."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..refs import SYMBOL
from ..text import join_lines

NUMBERED = re.compile(r"^(?:\d{1,3}\.|\([a-z]{1,2}\)|\([ivx]{1,6}\))\s")
HEADING_NUMBER = re.compile(r"^(?:[IVX]{1,5}|[A-H]|[一二三四五六七八九十]{1,3})[.、．]\s*\S")
LINE_END = re.compile(r"[.;:,。；：，]$")
RUNNING = re.compile(  # page "3/12" or "- 3 -", job number "19-12345 (E)", bar code "*1912345*", recycling
    r"^(?:\d{1,3}\s*/\s*\d{1,3}|-?\s*\d{1,3}\s*-?|(?:GE\.)?\d{2}-\d{5}.*|\*\d{7,}\*|Please recycle.*|请回收.*)$"
)
BOLD = re.compile(r"Bold|Heavy|Black|SimHei|HeiTi", re.I)


class UnreadableFile(ValueError):
    """The file is not a readable PDF or DOCX (damaged, truncated or another format)."""


@dataclass
class Block:
    """A paragraph-sized run of text as printed; markers are (offset in text, footnote number)."""

    text: str = ""
    markers: list[tuple[int, int]] = field(default_factory=list)
    heading: bool = False


@dataclass
class Extract:
    blocks: list[Block]
    footnotes: dict[int, str]


def sniff(data: bytes) -> str | None:
    """pdf or docx from the first bytes, else None (an HTML error page, say)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    return None


def read(path: Path, lang: str) -> Extract:
    kind = sniff(path.read_bytes()[:8])
    try:
        if kind == "pdf":
            return read_pdf(path, lang)
        if kind == "docx":
            return read_docx(path, lang)
    except UnreadableFile:
        raise
    except Exception as exc:  # parsers raise many types on damaged input; the user needs one answer
        raise UnreadableFile(f"{path.name}: {type(exc).__name__}: {exc}") from exc
    raise UnreadableFile(f"{path.name} is neither a PDF nor a DOCX file")


def join(parts: list[str], lang: str) -> str:
    """Printed lines to running text: Chinese lines join without a space (spacing between ideographs
    and Latin as in UN Chinese texts); other languages with one, keeping a line-end hyphen."""
    parts = [p.strip() for p in parts if p.strip()]
    if lang == "zh":
        out = ""
        for part in parts:  # Latin words broken over a line ("General" / "4 February") keep their space
            latin = bool(out) and _latin(out[-1]) and _latin(part[0])
            out = f"{out} {part}" if latin else join_lines([out, part]) if out else part
        return out
    out = ""
    for part in parts:
        out += part if not out or out.endswith("-") else " " + part
    return out


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


# --- PDF ---------------------------------------------------------------------------------------


@dataclass
class Line:
    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    bold: bool
    parts: list[tuple[str, bool]]  # (text, is a footnote marker)

    @property
    def text(self) -> str:
        return "".join(t for t, marker in self.parts if not marker).strip()


def _lines(page, page_no: int) -> list[Line]:
    lines = []
    for raw in page.extract_text_lines(return_chars=True, strip=False):
        chars = sorted((c for c in raw["chars"] if c["text"].strip() or c["text"] == " "), key=lambda c: c["x0"])
        visible = [c for c in chars if c["text"].strip()]
        if not visible:
            continue
        size = Counter(round(c["size"], 1) for c in visible).most_common(1)[0][0]
        lines.append(
            Line(
                page=page_no,
                top=raw["top"],
                bottom=raw["bottom"],
                x0=min(c["x0"] for c in visible),
                x1=raw["x1"],
                size=size,
                bold=all(BOLD.search(c.get("fontname", "")) for c in visible),
                parts=_compact(_parts(chars, size)),
            )
        )
    return lines


def _parts(chars: list[dict], size: float) -> list[tuple[str, bool]]:
    """The characters of a line as text, with a space where the gap between two is wide, and each raised
    small number (a footnote marker) apart."""
    baseline = max(c["bottom"] for c in chars if round(c["size"], 1) == size)
    parts: list[tuple[str, bool]] = []
    prev = None
    for c in chars:
        raised = c["size"] < 0.8 * size and c["bottom"] < baseline - 0.15 * size and c["text"].isdigit()
        gap = prev is not None and c["x0"] - prev["x1"] > 0.2 * c["size"] and c["text"] != " "
        if gap and parts and not parts[-1][0].endswith(" ") and not (raised and parts[-1][1]):
            parts.append((" ", False))
        if raised and parts and parts[-1][1]:
            parts[-1] = (parts[-1][0] + c["text"], True)  # a two-digit marker
        else:
            parts.append((c["text"], raised))
        prev = c
    return parts


def _compact(parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Merge neighbouring text pieces; markers stay apart."""
    out: list[tuple[str, bool]] = []
    for text, marker in parts:
        if out and not marker and not out[-1][1]:
            out[-1] = (out[-1][0] + text, False)
        else:
            out.append((text, marker))
    return out


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", text.strip())


def _running(lines_by_page: list[list[Line]], heights: list[float]) -> set[int]:
    """ids of lines that are running headers or footers."""
    zone_lines = []
    for page_lines, height in zip(lines_by_page, heights, strict=True):
        for line in page_lines:
            if line.top < 0.1 * height or line.bottom > 0.9 * height:
                zone_lines.append(line)
    repeated = Counter(_shape(line.text) for line in zone_lines if line.page > 0)
    pages = max(len(lines_by_page) - 1, 1)
    out = set()
    for line in zone_lines:
        text = line.text
        if RUNNING.match(text) or (line.page > 0 and repeated[_shape(text)] >= max(2, pages // 2)):
            out.add(id(line))
        elif line.page > 0 and SYMBOL.fullmatch(text):
            out.add(id(line))  # the symbol at the head of a page
    return out


def read_pdf(path: Path, lang: str) -> Extract:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        sizes: Counter = Counter()
        for page in pdf.pages:
            sizes.update(round(c["size"], 1) for c in page.chars if c["text"].strip())
        if not sizes:
            raise UnreadableFile(f"{path.name} has no text layer (a scan?)")
        body_size = sizes.most_common(1)[0][0]
        by_page = [_lines(page, i) for i, page in enumerate(pdf.pages)]
        heights = [float(page.height) for page in pdf.pages]
    running = _running(by_page, heights)
    body: list[Line] = []
    notes: list[Line] = []
    for page_lines in by_page:
        kept = [line for line in page_lines if id(line) not in running and line.text]
        body_tops = [line.top for line in kept if line.size >= 0.9 * body_size]
        last_body = max(body_tops) if body_tops else -1
        for line in kept:
            (notes if line.size < 0.9 * body_size and line.top > last_body else body).append(line)
    return Extract(blocks=_blocks(body, lang), footnotes=_footnotes(notes, lang))


def _starts_block(line: Line, prev: Line | None, right: float) -> bool:
    if prev is None or NUMBERED.match(line.text) or line.bold != prev.bold:
        return True
    if line.page == prev.page and line.top - prev.bottom > 0.6 * line.size:
        return True  # a blank between paragraphs (not across a page break: a paragraph runs on over it)
    # an indented line after a line that ended a sentence short of the margin (justified text fills it)
    finished = LINE_END.search(prev.text) is not None and prev.x1 < right - 2 * prev.size
    return finished and line.x0 > prev.x0 + 0.5 * line.size


def _blocks(lines: list[Line], lang: str) -> list[Block]:
    right = max((line.x1 for line in lines), default=0.0)
    groups: list[list[Line]] = []
    prev = None
    for line in lines:
        if _starts_block(line, prev, right):
            groups.append([])
        groups[-1].append(line)
        prev = line
    return [_block(group, lang) for group in groups]


def _block(lines: list[Line], lang: str) -> Block:
    """Join lines, keeping the offsets of the footnote markers in the joined text."""
    block = Block(heading=all(line.bold for line in lines))
    for line in lines:
        raw, found = "", []
        for text, marker in line.parts:
            if marker:
                found.append((len(raw.rstrip()), int(text)))
            else:
                raw += text
        stripped = raw.strip()
        lead = len(raw) - len(raw.lstrip())
        block.text = join([block.text, stripped], lang) if block.text else stripped
        base = len(block.text) - len(stripped)
        block.markers += [(base + min(max(o - lead, 0), len(stripped)), n) for o, n in found]
    if HEADING_NUMBER.match(block.text) and len(block.text) < 120 and not LINE_END.search(block.text):
        block.heading = True
    return block


def _footnotes(lines: list[Line], lang: str) -> dict[int, str]:
    notes: dict[int, list[str]] = {}
    current = None
    for line in lines:
        first, *rest = line.parts
        number = re.match(r"^\s*(\d{1,3})\s*(.*)$", first[0]) if not first[1] else None
        if first[1]:
            current, text = int(first[0]), "".join(t for t, _ in rest)
        elif number and (current is None or int(number.group(1)) == current + 1):
            current, text = int(number.group(1)), number.group(2) + "".join(t for t, _ in rest)
        else:
            text = line.text
        if current is not None:
            notes.setdefault(current, []).append(text)
    return {n: join(parts, lang) for n, parts in notes.items()}


# --- DOCX --------------------------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HEADING_STYLES = re.compile(r"^(?:Heading|Title|HCh|H1|H23|H4|H56|HM)", re.I)


def read_docx(path: Path, lang: str) -> Extract:
    import docx
    from lxml import etree

    document = docx.Document(str(path))
    numbers: dict[str, int] = {}
    blocks: list[Block] = []
    styles = {s.style_id: s.name for s in document.styles}
    for element in document.element.body:
        if element.tag == f"{W}tbl":  # the masthead of UN documents is a table
            cells = [_docx_text(p, numbers)[0] for p in element.iter(f"{W}p")]
            text = "\n".join(c for c in cells if c.strip())
            if text:
                blocks.append(Block(text=text))
        elif element.tag == f"{W}p":
            text, markers = _docx_text(element, numbers)
            if not text.strip():
                continue
            style = element.find(f"{W}pPr/{W}pStyle")
            name = styles.get(style.get(f"{W}val"), "") if style is not None else ""
            runs = [r for r in element.iter(f"{W}r") if "".join(t.text or "" for t in r.iter(f"{W}t")).strip()]
            bold = bool(runs) and all(_bold(r) for r in runs)
            heading = bool(HEADING_STYLES.match(name or "")) or bold
            if HEADING_NUMBER.match(text) and len(text) < 120 and not LINE_END.search(text):
                heading = True
            blocks.append(Block(text=text.strip(), markers=markers, heading=heading))
    footnotes: dict[int, str] = {}
    for rel in document.part.rels.values():
        if rel.reltype.endswith("/footnotes"):
            root = etree.fromstring(rel.target_part.blob)
            for note in root.iter(f"{W}footnote"):
                if note.get(f"{W}id") in numbers:
                    paragraphs = [_docx_text(p, {})[0].strip() for p in note.iter(f"{W}p")]
                    footnotes[numbers[note.get(f"{W}id")]] = join(paragraphs, lang)
    return Extract(blocks=blocks, footnotes=footnotes)


def _bold(run) -> bool:
    b = run.find(f"{W}rPr/{W}b")
    return b is not None and b.get(f"{W}val", "true") not in ("0", "false")


def _docx_text(paragraph, numbers: dict[str, int]) -> tuple[str, list[tuple[int, int]]]:
    """Text of a w:p with footnote references as markers; `numbers` maps footnote ids to the numbers
    readers see, given in order of first reference."""
    text = ""
    markers: list[tuple[int, int]] = []
    for node in paragraph.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}footnoteReference"):
        if node.tag == f"{W}t":
            text += node.text or ""
        elif node.tag in (f"{W}tab", f"{W}br"):
            text += " "
        else:
            fid = node.get(f"{W}id")
            numbers.setdefault(fid, len(numbers) + 1)
            markers.append((len(text.rstrip()), numbers[fid]))
    stripped = text.lstrip()
    shift = len(text) - len(stripped)
    return stripped, [(max(o - shift, 0), n) for o, n in markers]
