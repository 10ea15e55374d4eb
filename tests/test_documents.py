"""Parsing UN documents into paragraphs with stable IDs, from PDF and DOCX the tests make themselves."""

import re

import pdfplumber
import pytest
from un_fixtures import A_74_130, A_RES_70_174_EN, A_RES_70_174_ZH, FN, make_docx, make_pdf

from assistant.models import SourceFile
from assistant.refs import paragraph_name
from assistant.sources.documents import structure
from assistant.sources.readers import UnreadableFile, read

REPORT_IDS = [
    "HEADER",
    "¶1",
    "¶2",
    "¶3",
    "¶4",
    "¶4(a)",
    "¶4(b)",
    "¶4(c)",
    "¶4(c)(i)",
    "¶4(c)(ii)",
    "¶5",
    "¶6",
    "¶7",
    "¶8",
] + ["annex ¶1", "annex ¶2", "annex §3 ¶1", "FN1", "FN2", "FN3"]
RESOLUTION_IDS = [
    "HEADER",
    "PP1",
    "PP2",
    "OP1",
    "OP2",
    "annex PP1",
    "annex ¶1",
    "annex ¶2",
    "annex ¶3",
    "annex ¶3(a)",
] + ["annex ¶3(b)", "annex ¶3(b)(i)", "annex ¶3(b)(ii)", "FN1", "FN2"]


def _parse(path, symbol, lang):
    source = SourceFile(
        symbol=symbol, lang=lang, format=path.suffix[1:], path=path.name, sha256="0", bytes=0, url="x", retrieved=0
    )
    return structure(symbol, lang, read(path, lang), source)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("un-docs")
    return {
        "report.pdf": make_pdf(A_74_130, d / "report.pdf"),
        "report.docx": make_docx(A_74_130, d / "report.docx"),
        "res.zh.pdf": make_pdf(A_RES_70_174_ZH, d / "res.zh.pdf", lang="zh", symbol="A/RES/70/174"),
        "res.en.docx": make_docx(A_RES_70_174_EN, d / "res.en.docx"),
        "res.en.pdf": make_pdf(A_RES_70_174_EN, d / "res.en.pdf", symbol="A/RES/70/174"),
    }


def _expected_text(spec, starts: str) -> str:
    return next(FN.sub("", text) for kind, text in spec if kind == "p" and text.startswith(starts))


@pytest.mark.parametrize("name", ["report.pdf", "report.docx"])
def test_report_paragraphs_headings_annex_and_footnotes(files, name):
    doc = _parse(files[name], "A/74/130", "en")
    by_id = {p.id: p for p in doc.paragraphs}
    assert [p.id for p in doc.paragraphs] == REPORT_IDS
    assert doc.structure == "report" and doc.title.endswith("Report of the Secretary-General")
    # paragraphs come out whole (¶6 runs over the page break in the PDF), markers where they were
    assert by_id["¶6"].text == _expected_text(A_74_130, "6.")
    five = by_id["¶5"]
    assert five.text == _expected_text(A_74_130, "5.")
    assert five.text[: five.markers[0].offset].endswith("seven days a week.")
    assert by_id["FN2"].text == "Replies of Argentina, China and the Russian Federation."
    assert by_id["FN2"].cited_by == ["¶5"]
    assert five.section == "II. Summary of the views of Member States / B. International cooperation"
    assert by_id["annex §3 ¶1"].section == "China"
    assert "A/74/130" in by_id["HEADER"].text and "30 July 2019" in by_id["HEADER"].text
    # no running header, page number, job number or bar code inside a paragraph
    body = " ".join(p.text for p in doc.paragraphs if p.id != "HEADER")
    assert not re.search(r"19-12345|\*1912345\*|\b\d/\d\b|A/74/130", body)


def test_the_pdf_fixture_really_has_running_heads_and_a_page_break(files):
    with pdfplumber.open(files["report.pdf"]) as pdf:
        assert len(pdf.pages) >= 2
        first, second = (page.extract_text().splitlines() for page in pdf.pages[:2])
    assert second[0] == "A/74/130" and second[-1] == f"19-12345 {2}/{len(pdf.pages)}"
    assert first[-4].endswith("criminal") and second[1].startswith("purposes,")  # ¶6 is cut by the page break


def test_resolution_ids_align_across_formats_and_languages(files):
    zh = _parse(files["res.zh.pdf"], "A/RES/70/174", "zh")
    en = _parse(files["res.en.docx"], "A/RES/70/174", "en")
    en_pdf = _parse(files["res.en.pdf"], "A/RES/70/174", "en")
    assert [p.id for p in zh.paragraphs] == [p.id for p in en.paragraphs] == [p.id for p in en_pdf.paragraphs]
    assert [p.id for p in en.paragraphs] == RESOLUTION_IDS
    assert zh.structure == en.structure == "resolution"
    assert en.title == "Thirteenth United Nations Congress on Crime Prevention and Criminal Justice"
    zh_by = {p.id: p for p in zh.paragraphs}
    assert zh_by["annex ¶3(b)(i)"].text == "(i) 加强国际合作；"
    assert zh_by["PP1"].text == "回顾其 2010 年 12 月 21 日关于第十二届联合国预防犯罪和刑事司法大会的第 65/230 号决议，"
    assert zh_by["FN1"].cited_by == ["annex ¶1"] and "第 2225 卷" in zh_by["FN1"].text
    marker = zh_by["annex ¶1"].markers[0]
    assert zh_by["annex ¶1"].text[: marker.offset].endswith("《联合国打击跨国有组织犯罪公约》")
    assert zh_by["annex ¶1"].section == "关于将预防犯罪和刑事司法纳入更广泛的联合国议程的多哈宣言"


def test_paragraph_names_for_readers():
    assert paragraph_name("annex ¶3(b)", "en") == "annex, paragraph 3 (b)"
    assert paragraph_name("OP2", "zh") == "执行部分第 2 段"
    assert paragraph_name("¶12", "zh") == "第 12 段"


def test_damaged_files_are_refused_in_one_sentence(files, tmp_path):
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(files["report.pdf"].read_bytes()[:1500])
    html = tmp_path / "page.pdf"
    html.write_bytes(b"<html>Document not found</html>")
    for path in (cut, html):
        with pytest.raises(UnreadableFile):
            read(path, "en")


def test_unnumbered_text_joins_its_paragraph_or_is_counted_under_its_heading():
    from assistant.sources.readers import Block, Extract

    blocks = [
        Block("United Nations A/1/2"),
        Block("Summary", heading=True),
        Block("The report describes the replies."),
        Block("I. Introduction", heading=True),
        Block("1. The Assembly asked for views, saying:", markers=[(5, 1)]),
        Block("“States should cooperate.”"),
        Block("Replies received", heading=True),
        Block("Argentina replied first."),
        Block("Brazil replied second."),
    ]
    doc = structure("A/1/2", "en", Extract(blocks, {1: "A note."}), _parse_source())
    ids = [(p.id, p.text) for p in doc.paragraphs]
    assert ids == [
        ("HEADER", "United Nations A/1/2"),
        ("§1 ¶1", "The report describes the replies."),
        ("¶1", "1. The Assembly asked for views, saying: “States should cooperate.”"),
        ("§3 ¶1", "Argentina replied first."),
        ("§3 ¶2", "Brazil replied second."),
        ("FN1", "A note."),
    ]


def _parse_source():
    return SourceFile(symbol="A/1/2", lang="en", format="pdf", path="en.pdf", sha256="0", bytes=0, url="x", retrieved=0)
