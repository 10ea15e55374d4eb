"""Paragraph references (assistant/refs.py): every ID form is read back as it was written, and one
document-symbol pattern decides what counts as a symbol wherever symbols are read."""

import pytest

from assistant.errors import BadInput
from assistant.facts import facts
from assistant.lexical import tokenize
from assistant.refs import (
    DOC_KEY,
    RESOLUTION_ID,
    SYMBOL,
    Ref,
    catalogue_id,
    paragraph_name,
    scope_id,
    series,
)
from assistant.sources.fetching import check_symbol
from assistant.verification import markers

RESOLUTION_KEYS = ["HEADER", "SPONSORS", "PP1", "PP17", "OP3", "OP9", "FN2", "CAT:A/74/130", "CAT:A/RES/70/174"]
DOCUMENT_KEYS = [
    "A/74/130 ¶12",
    "A/74/130 ¶12(b)",
    "A/RES/70/174 OP5(a)",
    "A/RES/70/174 OP5(a)(i)",
    "A/RES/70/174 PP2",
    "A/RES/70/174 HEADER",
    "A/74/130 FN3",
    "A/74/130 annex ¶5",
    "A/RES/70/174 annex ¶3(b)(i)",
    "A/74/130 annex II ¶3",
    "A/74/130 II.A ¶3",
    "A/74/130 §4 ¶1",
    "A/74/130 annex §3 ¶1",
    "A/74/130 intro ¶2",
    "E/CN.15/2019/L.5 OP1",
    "S/2019/1-Add.1 ¶4",
]
SYMBOLS = ["A/74/130", "E/2017/30", "A/RES/70/174", "A/C.3/74/L.11/Rev.1", "E/CN.15/2019/L.5", "A/HRC/RES/20/8"]
NOT_SYMBOLS = ["hello", "74/130", "a/74/130", "A", "A/", "ABC/74/130", "A/74/130 ¶12", "A 74 130", "A/74/130/"]


@pytest.mark.parametrize("key", RESOLUTION_KEYS + ["SCOPE:votes", "SCOPE:no-OP9"])
def test_the_resolutions_own_keys_are_written_bare_and_read_back(key):
    ref = Ref.parse(key)
    assert ref.doc is None and ref.pid == key
    assert ref.key == str(ref) == key and ref.marker == f"[{key}]"
    assert Ref.parse(ref.key) == ref


@pytest.mark.parametrize("key", DOCUMENT_KEYS)
def test_a_cited_documents_keys_carry_its_symbol_and_are_read_back(key):
    ref = Ref.parse(key)
    symbol, _, pid = key.partition(" ")
    assert (ref.doc, ref.pid) == (symbol, pid)
    assert ref.key == key and Ref.parse(str(ref)) == ref
    assert markers(f"As the report says {ref.marker}.") == [key]


@pytest.mark.parametrize("key", ["", "OP", "op3", "OP3 ", "XP3", "CAT:", "SCOPE:", "A/74/130", "A/74/130 ¶", "see OP3"])
def test_what_is_not_a_reference_is_refused_in_one_sentence(key):
    with pytest.raises(ValueError, match="is not a paragraph reference such as PP3"):
        Ref.parse(key)


def test_constructors_make_the_keys_the_index_and_the_retriever_use():
    assert Ref.catalogue("A/74/130").key == "CAT:A/74/130" and catalogue_id("CAT:A/74/130") == "A/74/130"
    assert Ref.scope("later_events").key == "SCOPE:later_events" and scope_id("SCOPE:later_events") == "later_events"
    assert Ref.missing("OP9").key == "SCOPE:no-OP9"
    assert catalogue_id("OP3") is None and scope_id("CAT:A/74/130") is None
    assert series("OP12") == "OP" and series("FN2") == "FN" and series("OP5(a)") is None and series("HEADER") is None


def test_labels_and_names_in_both_languages():
    assert Ref(None, "OP3").label("en") == "Operative paragraph 3 (OP3)"
    assert Ref(None, "PP12").label("zh") == "序言部分第 12 段（PP12）"
    assert (
        Ref(None, "HEADER").label("en") == "Heading (HEADER)"
        and Ref(None, "SPONSORS").label("zh") == "提案国（SPONSORS）"
    )
    assert Ref(None, "FN5").name("zh") == "脚注 5"
    assert Ref.catalogue("A/74/130").label("zh") == "引用文件目录（CAT:A/74/130）"
    assert Ref("A/74/130", "¶12").label("en") == "Paragraph A/74/130 ¶12"
    assert Ref("A/RES/70/174", "annex ¶3(b)").name("en") == "annex, paragraph 3 (b)"
    assert paragraph_name("annex OP2", "zh") == "附件执行部分第 2 段" and paragraph_name("HEADER", "en") == "heading"
    with pytest.raises(ValueError, match="not a paragraph of the resolution"):
        Ref(None, "CAT:A/74/130").name("en")


@pytest.mark.parametrize("symbol", SYMBOLS + ["S/2019/1-Add.1"])
def test_one_symbol_pattern_accepts_real_symbols_everywhere(symbol):
    assert SYMBOL.fullmatch(symbol) and check_symbol(f" {symbol} ") == symbol
    assert symbol in facts(f"See document {symbol}, paragraph 3.")
    assert symbol.lower() in tokenize(f"Where is {symbol}?") and symbol.lower() in tokenize(symbol.lower())
    assert DOC_KEY.fullmatch(f"{symbol} ¶1") and RESOLUTION_ID.fullmatch(f"CAT:{symbol}")


@pytest.mark.parametrize("text", NOT_SYMBOLS)
def test_one_symbol_pattern_rejects_what_is_not_a_symbol(text):
    assert not SYMBOL.fullmatch(text)
    with pytest.raises(BadInput, match="is not a UN document symbol"):
        check_symbol(text)


def test_a_symbol_with_a_hyphen_is_one_fact_not_a_symbol_and_a_number():
    """facts.py used to stop a symbol at '-', so 'S/2019/1-Add.1' checked as S/2019/1 and 1."""
    assert facts("S/2019/1-Add.1") == {"S/2019/1-Add.1"}


def test_the_verb_may_is_no_month():
    """A question with "may" gave the fact 5 (May), which then had to be in its answer's paragraph."""
    assert facts("What effect does the text say ICTs may have?") == set()
    assert facts("held in May 2020") == {"5", "2020"}
