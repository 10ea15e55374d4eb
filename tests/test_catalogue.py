import re

from assistant.knowledge import load
from assistant.settings import Settings

K = load(Settings())
TEXT = " ".join(p.text for p in K.paragraphs.values())


def test_every_cited_symbol_and_number_has_an_entry():
    symbols = set(re.findall(r"\b[AE]/(?:[A-Z.0-9]+/)*\d+\b", TEXT)) - {"A/C.3/74/L.11/Rev.1"}
    numbers = set(re.findall(r"第 (\d+/\d+) 号", TEXT)) | {"70/174"}
    by_symbol = {e.symbol for e in K.catalogue.values()} | {e.published_in for e in K.catalogue.values()}
    by_number = {e.number for e in K.catalogue.values()}
    assert symbols <= {s.split(",")[0] for s in by_symbol if s}, symbols
    assert numbers <= by_number, numbers - by_number
    assert len(K.catalogue) >= 33


def test_symbols_are_in_official_form():
    for e in K.catalogue.values():
        if e.kind == "ga-resolution":
            assert e.symbol == f"A/RES/{e.number}"
        if e.kind == "ecosoc-resolution":
            assert e.symbol == f"E/RES/{e.number}"
        if e.symbol:
            assert e.url == f"https://undocs.org/{e.symbol}"


def test_cited_in_points_to_real_paragraphs_that_mention_it():
    for e in K.catalogue.values():
        assert e.cited_in and set(e.cited_in) <= set(K.paragraphs), e.id
        token = e.number or (e.symbol or "").split("/", 1)[-1]
        assert any(token in K.paragraphs[p].text for p in e.cited_in) or e.kind == "gge-report", e.id


def test_the_70_174_trap_is_told_apart():
    report, resolution = K.catalogue["A/70/174"], K.catalogue["A/RES/70/174"]
    assert report.kind == "gge-report" and "FN3" in report.cited_in
    assert resolution.kind == "ga-resolution" and "FN2" in resolution.cited_in
    assert "Doha" in resolution.description_en and "Doha" not in (report.title or "")


def test_no_vote_counts_in_the_catalogue():
    for e in K.catalogue.values():
        blob = f"{e.description_en} {e.description_zh}".lower()
        assert not re.search(r"\d+\s*(?:votes?|in favour|against|abstentions?|票)", blob), e.id
