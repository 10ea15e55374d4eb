"""Fetching cited documents from a local stand-in for the UN Official Document System, the cache,
the error messages, `assistant sources`, and answers that cite the fetched paragraphs."""

import hashlib
import json
import re

import pytest
from helpers import free_port, run_cli
from ods_server import ODS
from un_fixtures import A_74_130, A_RES_70_174_EN, A_RES_70_174_ZH, make_docx, make_pdf

from assistant.chain import AnswerChain
from assistant.errors import UserError
from assistant.indexing import ingest, open_retriever
from assistant.settings import Settings
from assistant.sources import document_view, fetch_documents, list_sources, load_document
from assistant.sources.fetching import FetchError, NotFound, fetch


@pytest.fixture(scope="module")
def fixture_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("ods-files")
    return {
        ("A/74/130", "en", "pdf"): make_pdf(A_74_130, d / "a74130.en.pdf").read_bytes(),
        ("A/RES/70/174", "en", "docx"): make_docx(A_RES_70_174_EN, d / "res.en.docx").read_bytes(),
        ("A/RES/70/174", "zh", "pdf"): make_pdf(
            A_RES_70_174_ZH, d / "res.zh.pdf", lang="zh", symbol="A/RES/70/174"
        ).read_bytes(),
    }


@pytest.fixture
def ods(fixture_files):
    with ODS() as server:
        server.files.update(fixture_files)
        yield server


def _settings(tmp_path, url: str, **more) -> Settings:
    return Settings(data_dir=tmp_path, ods_url=url, fetch_timeout=0.5, fetch_retries=2, fetch_backoff=0.01, **more)


def _env(url: str) -> dict:
    return {
        "ASSISTANT_ODS_URL": url,
        "ASSISTANT_FETCH_TIMEOUT": "0.5",
        "ASSISTANT_FETCH_RETRIES": "2",
        "ASSISTANT_FETCH_BACKOFF": "0.01",
    }


def test_fetch_follows_the_redirect_keeps_provenance_and_never_downloads_twice(ods, tmp_path):
    settings = _settings(tmp_path, ods.url)
    got = fetch(settings, "A/74/130", "en")  # no DOCX on the server: the PDF is taken
    served = ods.files[("A/74/130", "en", "pdf")]
    assert got.downloaded and got.source.format == "pdf"
    assert got.source.sha256 == hashlib.sha256(served).hexdigest() and got.source.bytes == len(served)
    assert got.source.url == f"{ods.url}?s=A%2F74%2F130&l=en&t=pdf" and "/files/" in got.source.final_url
    kept = tmp_path / "sources" / "A_74_130"
    assert (kept / "en.pdf").read_bytes() == served
    assert json.loads((kept / "en.json").read_text())["sha256"] == got.source.sha256
    before = len(ods.log)
    again = fetch(settings, "A/74/130", "en")
    assert not again.downloaded and len(ods.log) == before  # not one request
    (kept / "en.pdf").write_bytes(served[:-10] + b"0123456789")  # damaged on disk: the checksum catches it
    assert fetch(settings, "A/74/130", "en").downloaded and (kept / "en.pdf").read_bytes() == served


def test_a_cut_off_download_resumes_where_it_stopped(ods, tmp_path):
    settings = _settings(tmp_path, ods.url)
    key = ("A/RES/70/174", "zh", "pdf")
    ods.cut[key] = 1
    got = fetch(settings, "A/RES/70/174", "zh")
    ranges = [r for path, r in ods.log if path.startswith("/files/")]
    assert got.downloaded and got.resumed and ranges[0] is None and ranges[1] == f"bytes={len(ods.files[key]) // 2}-"
    assert got.source.sha256 == hashlib.sha256(ods.files[key]).hexdigest()


def test_cut_off_every_time_says_so_and_the_next_run_resumes(ods, tmp_path):
    settings = _settings(tmp_path, ods.url)
    key = ("A/RES/70/174", "zh", "pdf")
    ods.cut[key] = 2
    with pytest.raises(FetchError) as err:
        fetch(settings, "A/RES/70/174", "zh")
    assert re.fullmatch(
        r"The download of A/RES/70/174 \(zh\) was cut off 2 times \(\d+ bytes kept\): run the same command again "
        r"to resume it\.",
        str(err.value),
    )
    got = fetch(settings, "A/RES/70/174", "zh")
    assert got.resumed and got.source.sha256 == hashlib.sha256(ods.files[key]).hexdigest()


def test_missing_symbol_timeout_and_offline_are_one_sentence_each(ods, tmp_path):
    settings = _settings(tmp_path, ods.url)
    with pytest.raises(NotFound) as err:
        fetch(settings, "A/74/999", "en")
    assert str(err.value) == (
        "The UN Official Document System has no English text of A/74/999 (tried DOCX and PDF): check the symbol, "
        "or add a copy you have with `assistant sources add FILE --symbol A/74/999 --lang en`."
    )
    ods.slow["A/74/130"] = 2.0
    with pytest.raises(FetchError) as err:
        fetch(settings, "A/74/130", "en")
    host = ods.url.split("/")[2]
    assert str(err.value) == (
        f"The UN Official Document System at {host} did not answer within 0.5 s (2 attempts): try again later, "
        "or raise ASSISTANT_FETCH_TIMEOUT."
    )
    closed = f"127.0.0.1:{free_port()}"
    with pytest.raises(FetchError) as err:
        fetch(_settings(tmp_path, f"http://{closed}/api/symbol/access"), "A/74/130", "en")
    assert str(err.value).startswith(f"Cannot reach the UN Official Document System at {closed}: check the network")


def test_a_damaged_file_is_not_kept(ods, tmp_path):
    settings = _settings(tmp_path, ods.url)
    good = ods.files[("A/74/130", "en", "pdf")]
    ods.files[("A/74/130", "en", "pdf")] = good[: len(good) // 3]  # served whole, but the file itself is cut
    report = fetch_documents(settings, ["A/74/130"], ["en"], ingest=False)
    [outcome] = report.outcomes
    assert not outcome.ok and "cannot be read" in outcome.message and "was not kept" in outcome.message
    assert not (tmp_path / "sources" / "A_74_130" / "en.json").exists()
    ods.files[("A/74/130", "en", "pdf")] = good
    assert fetch_documents(settings, ["A/74/130"], ["en"], ingest=False).outcomes[0].ok


# --- the CLI, and answers citing fetched paragraphs --------------------------------------------


@pytest.fixture(scope="module")
def library(tmp_path_factory, fixture_files, embedder):
    """A data dir holding the stand-ins for A/74/130 (en) and resolution 70/174 (zh, en), fetched
    through the real code from the local server, and the index built with them."""
    data = tmp_path_factory.mktemp("library")
    with ODS() as server:
        server.files.update(fixture_files)
        settings = _settings(data, server.url)
        report = fetch_documents(settings, ["A/74/130", "A/RES/70/174"], ["zh", "en"], ingest=False)
    assert [o.ok for o in report.outcomes] == [False, True, True, True]  # no Chinese A/74/130 on the server
    ingest(settings, embedder=embedder)
    return settings


def test_sources_list_json_lists_every_cited_document_and_tells_70_174_apart(library):
    out = run_cli("sources", "list", "--json", data_dir=library.data_dir)
    assert out.returncode == 0, out.stderr
    rows = {r["id"]: r for r in json.loads(out.stdout)}
    from assistant.knowledge import load

    text = " ".join(p.text for p in load(Settings()).paragraphs.values())
    cited = set(re.findall(r"\b[AE]/(?:[A-Z.0-9]+/)*\d+\b", text)) - {"A/C.3/74/L.11/Rev.1"}
    numbers = set(re.findall(r"第 (\d+/\d+) 号", text))
    listed = {r["symbol"] for r in rows.values()} | {
        r["published_in"].split(",")[0] for r in rows.values() if r["published_in"]
    }
    assert cited <= listed and all(any(n in (r["symbol"] or r["id"]) for r in rows.values()) for n in numbers)
    assert len(rows) == 35 and all(
        set(r) >= {"symbol", "kind", "date", "title", "cited_in", "status"} for r in rows.values()
    )
    report, resolution = rows["A/70/174"], rows["A/RES/70/174"]
    assert report["kind_label"] == "report of the Group of Governmental Experts" and "FN3" in report["cited_in"]
    assert resolution["kind_label"] == "General Assembly resolution" and "Doha Declaration" in resolution["annex"]
    assert report["status"] == "metadata only"
    assert resolution["status"] == "full text (en, zh)" and resolution["paragraphs"] == 15
    assert rows["A/74/130"]["status"] == "full text (en)"
    plain = run_cli("sources", "list", data_dir=library.data_dir).stdout
    assert re.search(r"^A/70/174 +report of the Group of Governmental Experts +2015 +metadata only$", plain, re.M)


def test_cli_fetch_missing_symbol_and_cached_document(library, fixture_files, tmp_path):
    with ODS() as server:
        server.files.update(fixture_files)
        out = run_cli("sources", "fetch", "A/74/999", "--lang", "en", data_dir=library.data_dir, env=_env(server.url))
        assert out.returncode == 1 and "Traceback" not in out.stderr
        assert "A/74/999 (en): The UN Official Document System has no English text of A/74/999" in out.stdout
        out = run_cli("sources", "fetch", "a/74/130", "--lang", "en", data_dir=library.data_dir, env=_env(server.url))
        assert out.returncode == 0, out.stderr
        assert "A/74/130 (en): cached PDF" in out.stdout and "nothing downloaded" in out.stdout
        assert server.downloads() == 0
    bad = run_cli("sources", "fetch", "hello", data_dir=tmp_path)
    assert bad.returncode == 2 and bad.stderr.strip().startswith("Error: 'hello' is not a UN document symbol")


def test_cli_add_a_file_and_refuse_what_is_no_document(library, tmp_path):
    path = make_docx(A_RES_70_174_EN, tmp_path / "resolution.docx")
    out = run_cli("sources", "add", str(path), "--symbol", "A/RES/70/174", "--lang", "en", data_dir=tmp_path / "d")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("A/RES/70/174 (en): added DOCX") and "15 paragraphs, indexed" in out.stdout
    doc = load_document(Settings(data_dir=tmp_path / "d"), "A/RES/70/174", "en")
    assert (
        doc.source.url == path.resolve().as_uri() and doc.source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    )
    junk = tmp_path / "notes.txt"
    junk.write_text("not a document")
    out = run_cli("sources", "add", str(junk), "--symbol", "A/74/130", "--lang", "en", data_dir=tmp_path / "d")
    assert out.returncode == 2 and "is neither a PDF nor a DOCX file" in out.stderr and "Traceback" not in out.stderr


@pytest.fixture(scope="module")
def chain(library, embedder):
    return AnswerChain(library.model_copy(update={"generator": "extractive"}), open_retriever(library, embedder))


def test_a_question_about_the_secretary_generals_report_cites_its_paragraphs(chain):
    answer = chain.invoke(
        {
            "question": "What did Member States tell the Secretary-General about mutual legal assistance and "
            "electronic evidence?"
        }
    )
    assert answer.answerable and "[A/74/130 ¶5]" in answer.answer
    citation = next(c for c in answer.citations if c.paragraph == "A/74/130 ¶5")
    assert citation.doc == "A/74/130" and citation.supported
    assert citation.quote in chain.retriever.paragraph_texts()[("A/74/130", "A/74/130 ¶5")]["en"]


def test_doha_declaration_question_in_chinese_cites_the_annex(chain):
    answer = chain.invoke({"question": "多哈宣言中各国努力通过什么办法打击利用信息和通信技术实施的犯罪？"})
    assert answer.answerable
    cited = [c.paragraph for c in answer.citations]
    assert any(p.startswith("A/RES/70/174 annex ¶3(b)") for p in cited), answer.answer
    assert re.search(r"\[A/RES/70/174 annex ¶3\(b\)", answer.answer)


def test_the_resolution_is_still_answered_from_its_own_paragraphs(chain):
    answer = chain.invoke({"question": "When and where will the organizational session be held?"})
    assert "[OP3]" in answer.answer and answer.citations[0].doc == "A/C.3/74/L.11/Rev.1"


def test_document_view_for_the_ui(library):
    view = document_view(library, "A/RES/70/174")
    assert view.languages == ["en", "zh"] and [e.id for e in view.entries] == ["A/RES/70/174"]
    annex = next(p for p in view.paragraphs if p.id == "annex ¶3(b)(i)")
    assert annex.key == "A/RES/70/174 annex ¶3(b)(i)" and set(annex.text) == {"zh", "en"}
    assert {s.lang: s.format for s in view.sources} == {"en": "docx", "zh": "pdf"}
    with pytest.raises(UserError):
        document_view(library, "not a symbol")
    assert list_sources(library)[0].id == "A/RES/53/70"


def test_cli_sources_show_text_and_json(library, fixture_files):
    out = run_cli("sources", "show", "a/res/70/174", data_dir=library.data_dir)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "A/RES/70/174: full text (en, zh); https://undocs.org/A/RES/70/174"
    assert lines[1].startswith("  catalogue A/RES/70/174: cited in ")
    for lang, fmt in (("en", "docx"), ("zh", "pdf")):
        sha = hashlib.sha256(fixture_files[("A/RES/70/174", lang, fmt)]).hexdigest()
        assert any(line.startswith(f"  {lang}: {fmt} from ") and line.endswith(f"sha256 {sha}") for line in lines)
    assert re.search(r"^\[A/RES/70/174 annex ¶3\(b\)\(i\)\] \(zh\) \S", out.stdout, re.M)
    assert re.search(r"^\[A/RES/70/174 annex ¶3\(b\)\(i\)\] \(en\) \S", out.stdout, re.M)
    as_json = run_cli("sources", "show", "A/RES/70/174", "--json", data_dir=library.data_dir)
    assert as_json.returncode == 0, as_json.stderr
    view = json.loads(as_json.stdout)
    assert view == json.loads(document_view(library, "A/RES/70/174").model_dump_json())
    assert view["status"] == "full text (en, zh)" and len(view["paragraphs"]) == 15
    assert sum(len(p["text"]) for p in view["paragraphs"]) == sum(line.startswith("[") for line in lines)


def test_cli_sources_show_of_a_document_not_held_or_not_cited(library):
    cited = run_cli("sources", "show", "A/70/174", data_dir=library.data_dir)
    assert cited.returncode == 0 and cited.stdout.startswith("A/70/174: metadata only; https://undocs.org/A/70/174")
    assert "cited in PP13, FN3" in cited.stdout
    for symbol in ("A/74/999", "hello"):
        out = run_cli("sources", "show", symbol, data_dir=library.data_dir)
        assert out.returncode == 2 and out.stdout == "" and "Traceback" not in out.stderr
        assert out.stderr.startswith("Error: ") and len(out.stderr.splitlines()) == 1
    unknown = run_cli("sources", "show", "A/74/999", "--json", data_dir=library.data_dir)
    assert unknown.returncode == 2 and unknown.stderr == (
        "Error: A/74/999 is not a document the resolution cites, and no text of it was added: "
        "`assistant sources list` shows the documents it cites.\n"
    )


def test_a_name_only_a_fetched_document_mentions_is_mentioned_and_one_none_mentions_is_refused(chain):
    # Argentina is named in the fixture report's footnote only; Malabo in no indexed text.
    _, note = chain.retriever.retrieve("Did Argentina reply to the Secretary-General on electronic evidence?", 3)
    assert note is None or note.paragraph != "SCOPE:unmentioned"
    answer = chain.invoke({"question": "What does the Malabo Convention say about electronic evidence?"})
    assert not answer.answerable and "never mentions a name" in answer.answer
