"""Stand-ins for cited documents, made by the tests themselves: PDF (reportlab) and DOCX (python-docx)
laid out like UN documents — masthead, running header and footer, numbered paragraphs, sub-paragraphs,
headings, an annex, footnotes at the foot of the page. The wording is the tests' own, written to look
like the real documents; it is no official text.

A spec is a list of (element, text): masthead lines are "left | right"; "{fn:...}" in a paragraph is a
footnote marker with its footnote."""

from __future__ import annotations

import re
from pathlib import Path

A_74_130 = [
    ("masthead", "United Nations | A/74/130"),
    ("masthead", "General Assembly | Distr.: General"),
    ("masthead", "30 July 2019"),
    ("masthead", "Original: English"),
    ("masthead", "Seventy-fourth session"),
    ("masthead", "Item 107 of the provisional agenda"),
    ("title", "Countering the use of information and communications technologies for criminal purposes"),
    ("title", "Report of the Secretary-General"),
    ("heading", "I. Introduction"),
    (
        "p",
        "1. In its resolution 73/187, the General Assembly requested the Secretary-General to seek the views of "
        "Member States on the challenges they faced in countering the use of information and communications "
        "technologies for criminal purposes{fn:See resolution 73/187, paragraph 3.} and to submit a report based on "
        "those views to the Assembly at its seventy-fourth session.",
    ),
    (
        "p",
        "2. On 15 February 2019, a note verbale was sent to all Member States inviting them to submit their views. "
        "As at 31 May 2019, replies had been received from 61 Member States.",
    ),
    ("heading", "II. Summary of the views of Member States"),
    ("heading", "A. National legislation"),
    (
        "p",
        "3. Most replying States reported that they had adopted legislation criminalizing offences against the "
        "confidentiality, integrity and availability of computer data and systems, and several had amended their "
        "criminal procedure codes to cover electronic evidence.",
    ),
    ("p", "4. Several States indicated that their legislation provided for:"),
    ("p", "(a) The expedited preservation of stored computer data held by service providers;"),
    ("p", "(b) Orders for the production of subscriber information; and"),
    ("p", "(c) Procedures for:"),
    ("p", "(i) The search and seizure of stored computer data;"),
    ("p", "(ii) The real-time collection of traffic data."),
    ("heading", "B. International cooperation"),
    (
        "p",
        "5. Member States stressed that mutual legal assistance in criminal matters was too slow when electronic "
        "evidence was involved, and called for direct and timely channels for the exchange of information between "
        "competent authorities, including networks available 24 hours a day, seven days a week.{fn:Replies of "
        "Argentina, China and the Russian Federation.} Some States noted that requests for data held by service "
        "providers in other jurisdictions often went unanswered for many months, so that evidence was lost before "
        "it could be obtained, and they recommended that requests be transmitted electronically and that points of "
        "contact be designated in each central authority to follow them up.",
    ),
    (
        "p",
        "6. A number of States expressed support for the elaboration of a comprehensive international convention "
        "on countering the use of information and communications technologies for criminal purposes, while "
        "others considered that existing instruments, if more widely implemented, were sufficient.",
    ),
    ("heading", "C. Technical assistance and capacity-building"),
    (
        "p",
        "7. Developing countries requested technical assistance for the training of law enforcement officers, "
        "prosecutors and judges in the handling of electronic evidence, and for the establishment of digital "
        "forensic laboratories.{fn:Replies of Cambodia, Nicaragua and Zimbabwe.}",
    ),
    ("heading", "III. Conclusions"),
    (
        "p",
        "8. The Secretary-General notes the wide range of views expressed and the shared concern of Member States "
        "about the growing scale of crime committed with information and communications technologies.",
    ),
    ("annex", "Annex"),
    ("title", "Replies received from Member States"),
    ("heading", "Argentina"),
    ("p", "1. Argentina reported that its Criminal Code had been amended in 2008 to cover computer-related crime."),
    ("p", "2. Argentina acceded to a regional convention on cybercrime in 2018."),
    ("heading", "China"),
    ("p", "1. China called for a global legal instrument negotiated under the auspices of the United Nations."),
]

A_RES_70_174_EN = [
    ("masthead", "United Nations | A/RES/70/174"),
    ("masthead", "General Assembly | Distr.: General"),
    ("masthead", "4 February 2016"),
    ("masthead", "Seventieth session"),
    ("masthead", "Agenda item 106"),
    ("title", "Resolution adopted by the General Assembly on 17 December 2015"),
    ("title", "70/174. Thirteenth United Nations Congress on Crime Prevention and Criminal Justice"),
    ("opening", "The General Assembly,"),
    (
        "pp",
        "Recalling its resolution 65/230 of 21 December 2010 on the Twelfth United Nations Congress on Crime "
        "Prevention and Criminal Justice,",
    ),
    ("pp", "Welcoming the holding of the Thirteenth Congress in Doha from 12 to 19 April 2015,"),
    (
        "p",
        "1. Endorses the Doha Declaration adopted by the Thirteenth United Nations Congress on Crime Prevention and "
        "Criminal Justice, annexed to the present resolution;",
    ),
    ("p", "2. Invites Governments to take the Doha Declaration into consideration when formulating legislation;"),
    ("annex", "Annex"),
    (
        "title",
        "Doha Declaration on Integrating Crime Prevention and Criminal Justice into the Wider United Nations Agenda",
    ),
    (
        "pp",
        "We, the Heads of State and Government, ministers and representatives of Member States, having assembled "
        "in Doha from 12 to 19 April 2015, declare as follows:",
    ),
    (
        "p",
        "1. We acknowledge the entry into force of the United Nations Convention against Transnational Organized "
        "Crime{fn:United Nations, Treaty Series, vol. 2225, No. 39574.} and the United Nations Convention against "
        "Corruption.{fn:Ibid., vol. 2349, No. 42146.}",
    ),
    ("p", "2. We reaffirm our commitment to the rule of law at the national and international levels."),
    ("p", "3. We endeavour:"),
    ("p", "(a) To make our criminal justice systems effective and accountable;"),
    (
        "p",
        "(b) To counter new forms of crime, including crime committed with information and communications "
        "technologies, by:",
    ),
    ("p", "(i) Strengthening international cooperation;"),
    ("p", "(ii) Providing technical assistance to requesting States."),
]

A_RES_70_174_ZH = [
    ("masthead", "联合国 | A/RES/70/174"),
    ("masthead", "大会 | Distr.: General"),
    ("masthead", "4 February 2016"),
    ("masthead", "第七十届会议"),
    ("masthead", "议程项目 106"),
    ("title", "2015 年 12 月 17 日大会决议"),
    ("title", "70/174. 第十三届联合国预防犯罪和刑事司法大会"),
    ("opening", "大会，"),
    ("pp", "回顾其 2010 年 12 月 21 日关于第十二届联合国预防犯罪和刑事司法大会的第 65/230 号决议，"),
    ("pp", "欢迎第十三届大会于 2015 年 4 月 12 日至 19 日在多哈举行，"),
    ("p", "1. 核可第十三届联合国预防犯罪和刑事司法大会通过的《多哈宣言》，该宣言附于本决议之后；"),
    ("p", "2. 请各国政府在制定立法时考虑《多哈宣言》；"),
    ("annex", "附件"),
    ("title", "关于将预防犯罪和刑事司法纳入更广泛的联合国议程的多哈宣言"),
    ("pp", "我们，各会员国国家元首和政府首脑、部长和代表，于 2015 年 4 月 12 日至 19 日聚集在多哈，兹宣布如下："),
    (
        "p",
        "1. 我们确认《联合国打击跨国有组织犯罪公约》{fn:联合国，《条约汇编》，第 2225 卷，第 39574 号。}和"
        "《联合国反腐败公约》{fn:同上，第 2349 卷，第 42146 号。}已经生效。",
    ),
    ("p", "2. 我们重申致力于国家和国际两级的法治。"),
    ("p", "3. 我们努力："),
    ("p", "(a) 使我们的刑事司法系统有效并负责；"),
    ("p", "(b) 打击新形式的犯罪，包括利用信息和通信技术实施的犯罪，办法是："),
    ("p", "(i) 加强国际合作；"),
    ("p", "(ii) 向提出请求的国家提供技术援助。"),
]

FN = re.compile(r"\{fn:([^}]*)\}")


# --- PDF ---------------------------------------------------------------------------------------

PAGE_W, PAGE_H = 595.0, 842.0
LEFT, RIGHT, TOP, BOTTOM = 72.0, 523.0, 700.0, 110.0
SIZE, LEADING, NOTE_SIZE, NOTE_LEADING = 11.0, 14.0, 8.0, 10.0


def _fonts(lang: str) -> tuple[str, str]:
    if lang == "zh":
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        return "STSong-Light", "STSong-Light"
    return "Times-Roman", "Times-Bold"


def _tokens(text: str, lang: str) -> list[tuple[str, str | None]]:
    """(word, footnote text or None): a marker rides on the word before it."""
    out: list[tuple[str, str | None]] = []
    for i, piece in enumerate(FN.split(text)):
        if i % 2:
            word, _ = out[-1]
            out[-1] = (word, piece)
            continue
        pattern = r"[A-Za-z0-9/.,;:()'\-]+[,;:.]?|\s|." if lang == "zh" else r"\S+"
        out += [(w, None) for w in re.findall(pattern, piece) if w.strip() or lang == "zh"]
    return [(w, n) for w, n in out if w.strip()] if lang != "zh" else [(w, n) for w, n in out if w != ""]


def _wrap(tokens, font: str, width: float, indent: float, lang: str) -> list[list[tuple[str, str | None]]]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[list] = [[]]
    used = indent
    gap = 0 if lang == "zh" else stringWidth(" ", font, SIZE)
    for word, note in tokens:
        w = stringWidth(word, font, SIZE)
        if lines[-1] and used + gap + w > width:
            lines.append([])
            used = 0
        if lang == "zh" and not lines[-1] and not word.strip():
            continue
        used += (gap if lines[-1] else 0) + w
        lines[-1].append((word, note))
    return lines


def _layout(spec, lang: str):
    """Pages of ("line", x, y, font, tokens) and their footnotes, filling each page from the top."""
    regular, bold = _fonts(lang)
    pages = [{"ops": [], "notes": []}]
    y = 800.0
    notes = 0

    def room(needed_notes: int) -> float:
        return BOTTOM + (len(pages[-1]["notes"]) + needed_notes) * 2 * NOTE_LEADING + (12 if needed_notes else 0)

    for kind, text in spec:
        if kind == "masthead":
            left, _, right = text.partition(" | ")
            pages[-1]["ops"].append(("mast", left, right, y))
            y -= LEADING
            if kind == "masthead" and y < 730:
                y = min(y, 720)
            continue
        font = bold if kind in ("title", "heading") else regular
        indent = 24.0 if kind in ("pp",) else 0.0
        y -= 8  # space before a paragraph
        for i, line in enumerate(_wrap(_tokens(text, lang), font, RIGHT - LEFT, indent, lang)):
            new_notes = sum(1 for _, n in line if n)
            if y - LEADING < room(new_notes):
                pages.append({"ops": [], "notes": []})
                y = TOP + 60
            x = LEFT + (indent if i == 0 else 0)
            pages[-1]["ops"].append(("line", x, y, font, line))
            for _, note in line:
                if note:
                    notes += 1
                    pages[-1]["notes"].append((notes, note))
            y -= LEADING
    return pages


def make_pdf(spec, path: Path, lang: str = "en", symbol: str = "A/74/130", job: str = "19-12345") -> Path:
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    regular, bold = _fonts(lang)
    pages = _layout(spec, lang)
    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H))
    number = 0
    for page_no, page in enumerate(pages, start=1):
        if page_no > 1:
            c.setFont("Times-Roman", 9)
            c.drawString(LEFT, 810, symbol)
            c.drawString(LEFT, 40, job)
            c.drawRightString(RIGHT, 40, f"{page_no}/{len(pages)}")
        else:
            c.setFont("Times-Roman", 8)
            c.drawString(LEFT, 40, f"{job} (E)    010819")
            c.drawRightString(RIGHT, 40, f"*{job.replace('-', '')}*")
        for op in page["ops"]:
            if op[0] == "mast":
                _, left, right, y = op
                c.setFont(bold if lang == "en" and not right.startswith("Distr") else regular, SIZE)
                c.drawString(LEFT, y, left)
                if right:
                    c.setFont(regular, SIZE)
                    c.drawRightString(RIGHT, y, right)
                continue
            _, x, y, font, words = op
            for word, note in words:
                c.setFont(font, SIZE)
                c.drawString(x, y, word)
                x += stringWidth(word, font, SIZE)
                if note:
                    number += 1
                    c.setFont(regular, 6.5)
                    c.drawString(x + 0.5, y + 4, str(number))
                    x += stringWidth(str(number), regular, 6.5) + 1
                x += 0 if lang == "zh" else stringWidth(" ", font, SIZE)
        if page["notes"]:
            top = BOTTOM + len(page["notes"]) * 2 * NOTE_LEADING + 4
            c.line(LEFT, top, LEFT + 72, top)
            y = top - NOTE_LEADING
            for n, note in page["notes"]:
                c.setFont(regular, 6.5)
                c.drawString(LEFT, y + 3, str(n))
                c.setFont(regular, NOTE_SIZE)
                c.drawString(LEFT + 10, y, note)
                y -= 2 * NOTE_LEADING
        c.showPage()
    c.save()
    return path


# --- DOCX --------------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def make_docx(spec, path: Path) -> Path:
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    masthead = [t for k, t in spec if k == "masthead"]
    table = document.add_table(rows=len(masthead), cols=2)
    for row, line in zip(table.rows, masthead, strict=True):
        left, _, right = line.partition(" | ")
        row.cells[0].text, row.cells[1].text = left, right
    notes: list[str] = []
    for kind, text in spec:
        if kind == "masthead":
            continue
        paragraph = document.add_paragraph()
        for i, piece in enumerate(FN.split(text)):
            if i % 2 == 0:
                if piece:
                    paragraph.add_run(piece).bold = kind in ("title", "heading") or None
                continue
            notes.append(piece)
            run = OxmlElement("w:r")
            props = OxmlElement("w:rPr")
            align = OxmlElement("w:vertAlign")
            align.set(qn("w:val"), "superscript")
            props.append(align)
            run.append(props)
            ref = OxmlElement("w:footnoteReference")
            ref.set(qn("w:id"), str(len(notes)))
            run.append(ref)
            paragraph._p.append(run)
        if kind == "pp":
            paragraph.paragraph_format.first_line_indent = docx.shared.Pt(24)
    body = "".join(
        f'<w:footnote w:id="{i}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>'
        f'<w:r><w:t xml:space="preserve"> {_xml(note)}</w:t></w:r></w:p></w:footnote>'
        for i, note in enumerate(notes, start=1)
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{W_NS}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
        f"</w:footnote>{body}</w:footnotes>"
    )
    part = Part(
        PackURI("/word/footnotes.xml"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
        xml.encode(),
        document.part.package,
    )
    document.part.relate_to(part, RT.FOOTNOTES)
    document.save(str(path))
    return path


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
