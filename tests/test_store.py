import shutil
from pathlib import Path

import pytest
import yaml

from assistant.errors import IndexUnavailable
from assistant.indexing import ingest, make_store, open_retriever
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_second_ingest_adds_nothing(built, embedder):
    report = ingest(built, embedder=embedder)
    assert (report.added, report.removed) == (0, 0) and report.kept > 100


def test_changed_paragraph_replaces_the_old_one(tmp_path, embedder):
    kdir = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", kdir)
    settings = Settings(data_dir=tmp_path / "data", knowledge_dir=kdir)
    ingest(settings, embedder=embedder)
    en = yaml.safe_load((kdir / "paragraphs.en.yaml").read_text())
    for p in en["paragraphs"]:
        if p["id"] == "PP17":
            p["text"] = "Reaffirming the importance of respecting human rights and fundamental freedoms online,"
    (kdir / "paragraphs.en.yaml").write_text(yaml.safe_dump(en, allow_unicode=True))
    report = ingest(settings, embedder=embedder)
    assert (report.added, report.removed) == (1, 1)
    chunks = make_store(settings).chunks()
    texts = [c.text for c in chunks if c.paragraph == "PP17" and c.lang == "en" and c.view == "text"]
    assert texts == ["Reaffirming the importance of respecting human rights and fundamental freedoms online,"]


def test_missing_index_says_how_to_build_it(tmp_path, embedder):
    with pytest.raises(IndexUnavailable, match=r"assistant ingest --rebuild"):
        open_retriever(Settings(data_dir=tmp_path), embedder=embedder)


def test_index_from_another_embedder_is_refused(tmp_path, embedder):
    settings = Settings(data_dir=tmp_path)
    ingest(settings, embedder=embedder)
    store = make_store(settings)
    store.client.get_collection(store.live_name()).modify(metadata={"embedder": "other", "dimension": 768})
    with pytest.raises(IndexUnavailable, match=r"built with the embedder other \(768 dimensions\).*ingest --rebuild"):
        open_retriever(settings, embedder=embedder)
    ingest(settings, rebuild=True, embedder=embedder)
    assert open_retriever(settings, embedder=embedder).search("human rights")


def test_rebuild_starts_from_scratch(tmp_path, embedder):
    settings = Settings(data_dir=tmp_path)
    first = ingest(settings, embedder=embedder)
    again = ingest(settings, rebuild=True, embedder=embedder)
    assert again.added == first.added and again.kept == 0


@pytest.mark.server
def test_chroma_server_ingest_and_search(chroma_server, tmp_path, embedder):
    host, port = chroma_server
    settings = Settings(data_dir=tmp_path, chroma_host=host, chroma_port=port)
    report = ingest(settings, embedder=embedder)
    assert report.added > 100
    assert not (tmp_path / "chroma").exists()  # nothing went to the embedded store
    hits = open_retriever(settings, embedder=embedder).search("Where will the organizational session be held?")
    assert hits[0].paragraph == "OP3"
    assert ingest(settings, embedder=embedder).added == 0


def test_unchanged_text_is_never_embedded_twice(tmp_path):
    from assistant.embeddings import E5Embeddings

    first = E5Embeddings(cache_path=tmp_path / "cache.sqlite3")
    vectors = first.embed_documents(["人权和基本自由", "human rights"])
    second = E5Embeddings(cache_path=tmp_path / "cache.sqlite3")
    second._model = None  # any call to the model would now fail
    assert second.embed_documents(["human rights", "人权和基本自由"]) == [vectors[1], vectors[0]]


def test_a_rebuild_leaves_no_folder_of_a_deleted_generation(tmp_path, embedder):
    """Chroma 1.x deletes a collection but not its vector folder (chroma-core/chroma#5259)."""
    settings = Settings(data_dir=tmp_path)
    for rebuild in (False, True, True, True):
        ingest(settings, rebuild=rebuild, embedder=embedder)
    store = make_store(settings)
    kept = [c for c in store.client.list_collections() if c.name.startswith("paragraphs-g")]
    folders = [p for p in settings.chroma_path.iterdir() if p.is_dir()]
    assert len(kept) == 2 and len(folders) == 2, f"{len(folders)} segment folders for 2 generations"
    assert open_retriever(settings, embedder=embedder).search("Who pays?")[0].paragraph in {"OP4", "OP5"}
