"""Property-based tests (hypothesis): whatever text arrives, the seed parser, the retriever, the citation
parser and the verifier either do their job or refuse in words; and what the verifier lets through always
cites retrieved paragraphs that hold its facts. Example counts are kept small: these run in `make test`."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from assistant.errors import BadInput
from assistant.facts import unsupported
from assistant.knowledge import SEED
from assistant.parsing import SeedError, parse_seed
from assistant.refs import DOC_KEY, RESOLUTION_ID
from assistant.text import claims, markers, sentences, strip_markers
from assistant.verification import verify

ROOT = Path(__file__).resolve().parent.parent
RAW = (ROOT / "knowledge" / SEED).read_text(encoding="utf-8")
FEW = hsettings(max_examples=40, deadline=None)
SOME = hsettings(max_examples=80, deadline=None)

# Text as people paste it: any script, emoji, control characters, markup, brackets and digits.
ANY_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"])
    | st.sampled_from(list("[]<>/&\"'。，；？?!.\n\t0123456789")),
    max_size=300,
)
IDS = st.sampled_from(["HEADER", "SPONSORS", "PP1", "PP12", "OP3", "OP9", "FN5", "CAT:A/74/130", "A/74/130 ¶12"])
PROSE = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="[]"), max_size=120)


@FEW
@given(ANY_TEXT)
def test_seed_parser_on_any_text_parses_or_says_why(raw):
    try:
        paragraphs = parse_seed(raw)
    except SeedError:
        return
    ids = [p.id for p in paragraphs]
    assert len(ids) == len(set(ids)) and ids[:2] == ["HEADER", "SPONSORS"]


@FEW
@given(st.data())
def test_seed_parser_on_a_damaged_seed_parses_or_says_why(data):
    """The real seed with lines lost, duplicated or inserted, as a bad copy or extraction would leave it."""
    lines = RAW.splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["drop", "repeat", "insert"]))
        if action == "drop":
            del lines[at]
        elif action == "repeat":
            lines.insert(at, lines[at])
        else:
            lines.insert(at, data.draw(ANY_TEXT))
    try:
        paragraphs = parse_seed("\n".join(lines))
    except SeedError:
        return
    ids = [p.id for p in paragraphs]
    assert len(ids) == len(set(ids))
    ops = [int(i[2:]) for i in ids if i.startswith("OP")]
    assert ops == list(range(1, len(ops) + 1)), "operative paragraphs are numbered in sequence"
    assert all(cited in ids for p in paragraphs for cited in p.cited_by)


@FEW
@given(ANY_TEXT, st.integers(1, 8))
def test_retriever_on_any_text_gives_hits_or_says_why(retriever, question, k):
    try:
        hits, note = retriever.retrieve(question, k)
    except BadInput as exc:
        assert str(exc).startswith("The question is empty")
        assert not "".join(ch for ch in question if ch.isprintable()).strip()
        return
    keys = [(h.doc, h.paragraph) for h in hits]
    assert len(hits) <= k + 1 and len(keys) == len(set(keys))  # + the resolution paragraph citing a catalogue hit
    assert all(0 < h.score <= 1.0 and (h.text.get("zh") or h.text.get("en")) for h in hits)
    assert note is None or note.kind == "scope"


def _valid(pid: str) -> bool:
    return bool(RESOLUTION_ID.fullmatch(pid) or DOC_KEY.fullmatch(pid))


@SOME
@given(ANY_TEXT)
def test_citation_parser_on_any_text_finds_only_paragraph_ids(text):
    found = markers(text)
    assert len(found) == len(set(found)) and all(_valid(pid) for pid in found)
    assert set(markers(" ".join(sentences(text)))) == set(found), "splitting into sentences keeps every marker"


@SOME
@given(PROSE, st.lists(IDS, min_size=1, max_size=4))
def test_citation_parser_reads_back_what_was_written(prose, ids):
    assert markers(f"{prose} [{', '.join(ids)}]") == list(dict.fromkeys(ids))
    assert markers(strip_markers(f"{prose} [{', '.join(ids)}]")) == markers(prose)


@pytest.fixture(scope="module")
def evidence(retriever):
    return retriever.search("When and where will the organizational session be held?", 4)


@SOME
@given(st.data())
def test_verifier_lets_through_only_cited_supported_claims(evidence, data):
    """Drafts mixing the paragraphs' own words, invented numbers and dates, and markers of retrieved,
    unretrieved and non-existent paragraphs: whatever survives cites retrieved paragraphs holding its facts."""
    words = " ".join(t for h in evidence for t in h.text.values()).split()
    piece = st.one_of(
        st.lists(st.sampled_from(words), min_size=1, max_size=12).map(" ".join),
        st.integers(0, 3000).map(str),
        st.sampled_from(["August 2020", "2031", "in Paris", "A/74/999", "三天", "第七十五届"]),
        PROSE,
    )
    marker = st.lists(st.sampled_from([h.paragraph for h in evidence] + ["OP6", "PP9", "FN2"]), max_size=2).map(
        lambda ids: f" [{', '.join(ids)}]" if ids else ""
    )
    sentence = st.tuples(st.lists(piece, min_size=1, max_size=3).map(" ".join), marker, st.sampled_from(".。\n"))
    draft = "".join(text + mark + end for text, mark, end in data.draw(st.lists(sentence, min_size=1, max_size=5)))
    checked = verify(draft, evidence)
    retrieved = {h.paragraph: h for h in evidence}
    assert {c.paragraph for c in checked.citations} <= set(retrieved)
    assert set(markers(checked.text)) <= set(retrieved)
    for line in checked.text.splitlines():
        for claim in claims(sentences(line)):
            cited = [retrieved[p] for p in markers(claim)]
            assert cited, f"an uncited claim was shown: {claim!r}"
            assert not unsupported(strip_markers(claim), [t for h in cited for t in h.text.values()]), claim
