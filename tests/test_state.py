"""Built state under faults: an ingest killed midway, two ingests at once, feedback written by many
processes at once. Real processes, real signals, the real Chroma store."""

import fcntl
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, run_cli

from assistant.indexing import ingest, open_retriever
from assistant.settings import Settings

NEW_PP17 = "Reaffirming the importance of respecting human rights and fundamental freedoms in cyberspace,"


def _assistant(*args: str, data_dir: Path, env: dict | None = None) -> subprocess.Popen:
    exe = Path(sys.executable).parent / "assistant"
    return subprocess.Popen(
        [str(exe), "--data-dir", str(data_dir), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _collections(data_dir: Path) -> dict[str, dict]:
    """Collection name -> metadata, read from Chroma's sqlite file as another process would see it."""
    db = sqlite3.connect(f"file:{data_dir / 'chroma' / 'chroma.sqlite3'}?mode=ro", uri=True, timeout=30)
    try:
        rows = db.execute(
            "select c.name, m.key, coalesce(m.str_value, m.int_value) from collections c "
            "left join collection_metadata m on c.id = m.collection_id"
        ).fetchall()
    finally:
        db.close()
    out: dict[str, dict] = {}
    for name, key, value in rows:
        out.setdefault(name, {})
        if key:
            out[name][key] = value
    return out


def _pp17_en(settings: Settings, embedder) -> str:
    """What a server started now would show: a fresh retriever on the live index."""
    return open_retriever(settings, embedder=embedder).search("PP17", k=1)[0].text["en"]


def _knowledge_env(data_dir: Path) -> dict:
    return {"ASSISTANT_KNOWLEDGE_DIR": str(data_dir.parent / "knowledge")}


@pytest.fixture
def workspace(tmp_path, embedder):
    """A data dir with a built index, and its own copy of knowledge/ to change."""
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    settings = Settings(data_dir=tmp_path / "data", knowledge_dir=tmp_path / "knowledge")
    ingest(settings, embedder=embedder)
    return settings


def _change_pp17(knowledge: Path) -> None:
    path = knowledge / "paragraphs.en.yaml"
    en = yaml.safe_load(path.read_text(encoding="utf-8"))
    for p in en["paragraphs"]:
        if p["id"] == "PP17":
            p["text"] = NEW_PP17
    path.write_text(yaml.safe_dump(en, allow_unicode=True), encoding="utf-8")


def test_ingest_killed_midway_leaves_the_previous_index_serving(workspace, embedder):
    data = workspace.data_dir
    before = _collections(data)
    live = before["paragraphs-live"]["live"]
    old_text = _pp17_en(workspace, embedder)
    _change_pp17(workspace.knowledge_dir)
    proc = _assistant("ingest", "--rebuild", data_dir=data, env=_knowledge_env(data))
    deadline = time.monotonic() + 300
    while not (set(_collections(data)) - set(before)):  # the new generation exists: the build is under way
        assert proc.poll() is None, f"ingest ended before it could be killed: {proc.communicate()}"
        assert time.monotonic() < deadline, "the new generation never appeared"
        time.sleep(0.01)
    proc.kill()  # SIGKILL: no cleanup of any kind runs
    proc.wait()
    assert _collections(data)["paragraphs-live"]["live"] == live, "the pointer moved before the build ended"
    assert _pp17_en(workspace, embedder) == old_text, "the previous index must still serve, whole"
    done = run_cli("ingest", data_dir=data, env=_knowledge_env(data))
    assert done.returncode == 0, done.stderr
    assert _pp17_en(workspace, embedder) == NEW_PP17
    after = _collections(data)
    generations = [n for n in after if n.startswith("paragraphs-g")]
    assert len(generations) == 2 and live in generations, "the killed build is cleaned up, the previous kept"


def _lock_held_by(data_dir: Path, pid: int) -> bool:
    fd = os.open(data_dir / "ingest.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return os.pread(fd, 32, 0).decode() == str(pid)
    finally:
        os.close(fd)


def test_two_ingests_at_once_one_waits_or_fails_clearly(workspace, embedder):
    data = workspace.data_dir
    env = _knowledge_env(data)
    _change_pp17(workspace.knowledge_dir)
    first = _assistant("ingest", "--rebuild", data_dir=data, env=env)
    deadline = time.monotonic() + 300
    while not _lock_held_by(data, first.pid):
        assert first.poll() is None and time.monotonic() < deadline, "the first ingest never took the lock"
        time.sleep(0.01)
    os.kill(first.pid, signal.SIGSTOP)  # the first ingest is now stuck mid-build, holding the lock
    try:
        impatient = run_cli("ingest", data_dir=data, env={**env, "ASSISTANT_INGEST_WAIT": "0"})
        assert impatient.returncode == 1 and "Traceback" not in impatient.stderr
        assert impatient.stderr.strip() == (
            f"Error: Another ingest (process {first.pid}) is still building the index after 0 s: "
            "wait for it to finish, then run `assistant ingest` again."
        )
        patient = _assistant("ingest", data_dir=data, env=env)
        assert f"Another ingest (process {first.pid}) is building the index; waiting" in patient.stderr.readline()
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert first.wait(timeout=300) == 0, first.stderr.read()
    out, err = patient.communicate(timeout=300)
    assert patient.returncode == 0, err
    assert "0 chunks added, 0 removed" in out, "the second ingest found the first one's work done"
    assert _pp17_en(workspace, embedder) == NEW_PP17


WRITER = """
import sys
from pathlib import Path
from assistant.service import Feedback, append_line
path, who, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(count):
    answer = f"{who}-{i} " + "答案 text " * (50 + 300 * (i % 7))  # up to 10 kB: far above PIPE_BUF
    append_line(path, Feedback(time="t", verdict="helpful", question=f"{who}-{i}", answer=answer,
                               answerable=True, citations=[], generator="extractive", model=None))
"""


def test_feedback_lines_are_whole_under_concurrent_writers(tmp_path):
    path = tmp_path / "feedback.jsonl"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"w{n}", "40"], stderr=subprocess.PIPE)
        for n in range(4)
    ]
    for w in writers:
        assert w.wait(timeout=300) == 0, w.stderr.read()
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["question"] for r in records) == sorted(f"w{n}-{i}" for n in range(4) for i in range(40))
    assert all(r["answer"].startswith(r["question"] + " ") for r in records), "a line mixes two records"


def test_truncated_vector_files_still_answer_or_say_how_to_rebuild(workspace):
    for segment in (workspace.data_dir / "chroma").glob("*/data_level0.bin"):
        segment.write_bytes(segment.read_bytes()[:1000])  # as after a crash mid-write or a bad copy
    out = run_cli("search", "Who pays for delegates from developing countries?", "--json", data_dir=workspace.data_dir)
    assert "Traceback" not in out.stderr
    if out.returncode:
        assert "assistant ingest --rebuild" in out.stderr
    else:
        assert json.loads(out.stdout)[0]["paragraph"] in {"OP4", "OP5"}
