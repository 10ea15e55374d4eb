"""Expansions generated at ingest (assistant/expansion.py, issue 19): the reply's form parsed and the rest
dropped, the cache keyed by text, model and prompt, resumable, and indexed as expansions.yaml is, never shown.
The generation path runs on the real llama.cpp engine with SmolLM2-135M, for structure only: a 135M model
writes poor questions, and these tests never read their wording."""

import datetime as dt
import json

import pytest
from helpers import run_cli

from assistant.expansion import Cache, Passage, Record, cached, expand, expander, parse, passages
from assistant.indexing import ingest
from assistant.knowledge import build_chunks, load
from assistant.llm import local_server, smollm2_path
from assistant.models import DocParagraph, Expansion, ParsedDocument, SourceFile
from assistant.refs import RESOLUTION
from assistant.settings import Settings
from assistant.sources.chunks import document_chunks
from assistant.text import IDEOGRAPH

REPLY = """EN-Q: Where will the committee meet for its first session?
- EN-Q: When is the organizational session held?
Sure! Here are the questions you asked for:
EN-Q: 会议在哪里举行？
EN-K: meeting, organizational session, New York, ad hoc committee, 会议
ZH-Q: 特设委员会在哪里开会？
ZH-Q: Where is it?
ZH-K: 组织会议、纽约、特设委员会、UN
ZH-Q: 会议何时举"""


def test_the_eight_lines_are_parsed_and_anything_else_is_dropped():
    got = parse(REPLY, cut_off=True)
    assert got.questions == {
        "en": ["Where will the committee meet for its first session?", "When is the organizational session held?"],
        "zh": ["特设委员会在哪里开会？"],
    }
    assert got.keywords == {
        "en": ["meeting", "organizational session", "New York", "ad hoc committee"],
        "zh": ["组织会议", "纽约", "特设委员会", "UN"],
    }
    assert got.indexed("zh") == "特设委员会在哪里开会？组织会议、纽约、特设委员会、UN"
    assert parse("I cannot help with that.") == Expansion()
    assert parse("") == Expansion() and Expansion().indexed("en") == ""


def _record(settings: Settings, passage: Passage, expansion: Expansion) -> Record:
    who = expander(settings)
    assert who is not None
    return who.record(passage, expansion, seconds=1.0)


WRITTEN = Expansion(
    questions={"en": ["Which city hosts the first session?"], "zh": ["首届会议在哪个城市召开？"]},
    keywords={"en": ["venue"], "zh": ["会址"]},
)


def test_cached_expansions_are_indexed_beside_their_paragraph_and_never_shown(tmp_path):
    """Unaided: the generated expansion, a chunk of its own in each language; aided: the hand-written overlay
    stands in for it. A paragraph with nothing cached says so in one sentence and is indexed without."""
    for aids in ("all", "none"):
        settings = Settings(data_dir=tmp_path, aids=aids)
        knowledge = load(settings)
        every = passages(settings, knowledge, [])
        op3 = next(p for p in every if p.paragraph == "OP3")
        Cache(settings.expansions_dir).put(_record(settings, op3, WRITTEN))
        generated = cached(settings, every)
        assert generated.found == {(RESOLUTION, "OP3"): [WRITTEN]}
        assert generated.note == (
            f"Expansions were skipped for {len(every) - 1} of {len(every)} paragraphs: no local model is installed "
            "(`assistant model install`, then `assistant expand`)."
        )
        views = [c for c in build_chunks(knowledge, settings, generated.found) if c.paragraph == "OP3"]
        expansions = [c for c in views if c.view != "text"]
        assert {c.view for c in expansions} == {"expansion" if aids == "all" else "generated"}
        assert all(c.text == "" for c in expansions)
        assert [c.lang for c in expansions] == ["zh", "en"]
        has_generated = any("首届会议在哪个城市召开？会址" in c.indexed for c in expansions if c.lang == "zh")
        assert has_generated == (aids == "none")
        assert any("Which city hosts the first session? venue" in c.indexed for c in expansions) == (aids == "none")
    off = Settings(data_dir=tmp_path, expander="none")
    assert cached(off, passages(off, load(off), [])).found == {}


def _document(lang: str, text: str) -> ParsedDocument:
    source = SourceFile(
        symbol="A/74/130",
        lang=lang,
        format="docx",
        path=f"{lang}.docx",
        sha256="0" * 64,
        bytes=1,
        url=f"file:///{lang}.docx",
        retrieved=dt.datetime.now(dt.UTC),
    )
    paragraph = DocParagraph(id="¶1", kind="paragraph", text=text)
    return ParsedDocument(symbol="A/74/130", lang=lang, structure="report", paragraphs=[paragraph], source=source)


def test_a_documents_expansions_reach_it_in_both_languages(tmp_path):
    """Each language's text of a document gets its own expansion, both indexed once under the paragraph's one
    key, in Chinese and English: a chunk ID twice would be refused by the store."""
    settings = Settings(data_dir=tmp_path)
    docs = [_document("en", "The first session will be held in New York."), _document("zh", "首届会议将在纽约举行。")]
    every = passages(settings, load(settings), docs)[-2:]
    assert [p.texts for p in every] == [(("en", docs[0].paragraphs[0].text),), (("zh", docs[1].paragraphs[0].text),)]
    for passage in every:
        Cache(settings.expansions_dir).put(_record(settings, passage, WRITTEN))
    chunks = document_chunks(settings, docs, cached(settings, every).found)
    assert [(c.lang, c.view, c.part) for c in chunks] == [
        ("en", "text", 0),
        ("zh", "generated", 1),
        ("en", "generated", 2),
        ("zh", "generated", 3),
        ("en", "generated", 4),
        ("zh", "text", 0),
    ]
    assert len({c.id for c in chunks}) == len(chunks)
    assert chunks[1].text == "" and chunks[1].indexed.endswith("首届会议在哪个城市召开？会址")


@pytest.mark.llm
def test_smollm2_writes_parsed_cached_and_resumable_expansions(tmp_path):
    settings = Settings(data_dir=tmp_path, model_path=smollm2_path(), expand_tokens=48, llm_timeout=900)
    every = [
        Passage(RESOLUTION, "OP3", (("en", "The session shall be held in New York in August 2020."),)),
        Passage("A/74/130", "A/74/130 ¶1", (("zh", "特设委员会将在纽约举行组织会议。"),)),
    ]
    seen: list[tuple[int, int]] = []
    first = expand(settings, every, progress=lambda done, total: seen.append((done, total)))
    assert (first.generated, first.cached, first.failed) == (2, 0, 0) and seen == [(1, 2), (2, 2)]
    files = sorted(settings.expansions_dir.glob("*.json"))
    assert len(files) == 2
    for path in files:
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record["model"] == smollm2_path().stem and record["generator"] == "local"
        assert len(record["prompt_sha256"]) == 64 and record["created"] and record["raw"]
        written = Expansion.model_validate(record["expansion"])
        assert written == parse(record["raw"], cut_off=True) or written == parse(record["raw"])
        for lang, questions in written.questions.items():
            assert all(q[-1] in "?？" and bool(IDEOGRAPH.search(q)) == (lang == "zh") for q in questions)
    stamps = {p: p.stat().st_mtime_ns for p in files}

    again = expand(settings, every)
    assert (again.generated, again.cached) == (0, 2), "unchanged text must cost nothing"
    assert {p: p.stat().st_mtime_ns for p in files} == stamps

    files[0].unlink()  # as if killed before the second paragraph was written, leaving a half-written temp file
    (settings.expansions_dir / ".half.tmp").write_text('{"key": "', encoding="utf-8")
    resumed = expand(settings, every)
    assert (resumed.generated, resumed.cached) == (1, 1)
    assert files[0].is_file() and files[1].stat().st_mtime_ns == stamps[files[1]]


@pytest.mark.llm
def test_an_openai_compatible_server_writes_them_without_a_grammar(tmp_path):
    """llama.cpp's server stands in for any OpenAI-compatible one; what it writes is parsed or dropped."""
    server = local_server(smollm2_path(), Settings())
    settings = Settings(
        data_dir=tmp_path,
        expander="openai",
        openai_base_url=server.base_url,
        openai_model="smollm2",
        expand_tokens=48,
        llm_timeout=900,
    )
    passage = Passage(RESOLUTION, "OP3", (("en", "The session shall be held in New York in August 2020."),))
    assert expand(settings, [passage]).generated == 1
    [path] = settings.expansions_dir.glob("*.json")
    record = Record.model_validate_json(path.read_bytes())
    assert (record.generator, record.model) == ("openai", "smollm2")
    assert record.expansion in (parse(record.raw), parse(record.raw, cut_off=True))
    assert cached(settings, [passage]).note == ""


def test_without_a_model_ingest_works_and_says_expansions_were_skipped(tmp_path, built, embedder):
    settings = Settings(data_dir=tmp_path, cache_dir=built.data_dir / "cache")
    report = ingest(settings, embedder=embedder)
    assert report.added > 0 and report.note.startswith("Expansions were skipped for ")
    out = run_cli("expand", data_dir=tmp_path, env={"ASSISTANT_CACHE_DIR": str(built.data_dir / "cache")})
    assert out.returncode == 1 and out.stderr.startswith("Error: The local model is not installed at ")
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr

    every = passages(settings, load(settings), [])  # once all are cached, no model is needed
    for passage in every:
        Cache(settings.expansions_dir).put(_record(settings, passage, WRITTEN))
    env = {"ASSISTANT_CACHE_DIR": str(built.data_dir / "cache"), "ASSISTANT_AIDS": "none"}
    out = run_cli("expand", data_dir=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"All {len(every)} paragraphs have their expansions already: nothing was written.\n")
    assert "Index: " in out.stdout and "skipped" not in out.stdout
