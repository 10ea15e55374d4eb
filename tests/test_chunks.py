from collections import Counter

from assistant.knowledge import build_chunks, load
from assistant.settings import Settings
from assistant.tokens import count_tokens


def test_one_chunk_per_paragraph_and_language(tmp_path):
    settings = Settings(data_dir=tmp_path)
    k = load(settings)
    chunks = build_chunks(k, settings)
    keys = Counter((c.paragraph, c.lang) for c in chunks if c.kind not in ("catalogue", "scope") and c.view == "text")
    assert set(keys) == {(p, lang) for p in k.paragraphs for lang in ("zh", "en")}
    split = {key for key, n in keys.items() if n > 1}
    assert all(count_tokens(k.text(p, lang)) > settings.chunk_tokens for p, lang in split)
    assert {c.paragraph for c in chunks if c.kind == "catalogue"} == {e.key for e in k.catalogue.values()}


def test_metadata_and_footnote_links(tmp_path):
    settings = Settings(data_dir=tmp_path)
    chunks = {(c.paragraph, c.lang): c for c in build_chunks(load(settings), settings) if c.view == "text"}
    op1 = chunks[("OP1", "zh")]
    assert (op1.doc, op1.kind, op1.footnotes) == ("A/C.3/74/L.11/Rev.1", "operative", ["FN5"])
    fn5 = chunks[("FN5", "en")]
    assert fn5.text == "A/74/130." and "Secretary-General" in fn5.indexed  # carries OP1 as context
    assert chunks[("CAT:A/74/130", "en")].doc == "A/74/130"


def test_long_paragraph_splits_on_sentence_marks_within_budget(tmp_path):
    settings = Settings(data_dir=tmp_path, chunk_tokens=120)
    chunks = [
        c
        for c in build_chunks(load(settings), settings)
        if c.paragraph == "PP12" and c.lang == "zh" and c.view == "text"
    ]
    assert len(chunks) > 1
    assert "".join(c.text for c in chunks) == load(settings).paragraphs["PP12"].text
    assert all(count_tokens(c.text) <= 120 for c in chunks)
    assert all(c.text.endswith(("、", "，")) for c in chunks)


def test_ids_come_from_content(tmp_path):
    settings = Settings(data_dir=tmp_path)
    first = [c.id for c in build_chunks(load(settings), settings)]
    assert first == [c.id for c in build_chunks(load(settings), settings)]
    assert len(set(first)) == len(first)
