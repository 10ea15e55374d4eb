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
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, run_cli

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


STOP_BEFORE_SWITCH = """
import os, signal, sys
from assistant import store
from assistant.cli import main
switch = store.Store._switch
def stopped(self, live, previous):  # the new generation is whole; the pointer has not moved
    os.kill(os.getpid(), signal.SIGSTOP)
    switch(self, live, previous)
store.Store._switch = stopped
sys.argv[0] = "assistant"
main()
"""


def _stopped(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T"


@pytest.mark.slow  # re-ingests in CLI processes: 10-17 s each
def test_ingest_killed_midway_leaves_the_previous_index_serving(workspace, embedder):
    """The kill lands at the worst moment, always: the ingest stops itself (SIGSTOP) once its new
    generation is built, just before it would move the pointer, and is SIGKILLed there."""
    data = workspace.data_dir
    before = _collections(data)
    live = before["paragraphs-live"]["live"]
    old_text = _pp17_en(workspace, embedder)
    _change_pp17(workspace.knowledge_dir)
    proc = subprocess.Popen(
        [sys.executable, "-c", STOP_BEFORE_SWITCH, "--data-dir", str(data), "ingest", "--rebuild"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **_knowledge_env(data)},
    )
    for _ in range(3000):  # at most 300 s
        if proc.poll() is not None or _stopped(proc.pid):
            break
        time.sleep(0.1)
    assert proc.poll() is None and _stopped(proc.pid), f"the ingest never reached the switch: {proc.communicate()}"
    assert set(_collections(data)) - set(before), "the new generation exists"
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


@pytest.mark.slow  # re-ingests in CLI processes: 10-17 s each
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


@pytest.mark.slow  # re-ingests in CLI processes: 10-17 s each
@pytest.mark.parametrize("damage", ["overwritten", "truncated"])
def test_a_damaged_embedding_cache_is_set_aside_and_rebuilt(workspace, tmp_path, damage):
    cache = tmp_path / "cache" / "embeddings.sqlite3"
    cache.parent.mkdir()
    if damage == "overwritten":
        cache.write_bytes(b"not a database " * 1000)
    else:
        shared = sqlite3.connect(Path(os.environ["ASSISTANT_CACHE_DIR"]) / "embeddings.sqlite3")
        with sqlite3.connect(cache) as copy:
            shared.backup(copy)  # the whole cache in one file (the shared one keeps recent pages in its WAL)
        copy.close()
        shared.close()
        cache.write_bytes(cache.read_bytes()[:4096])  # its first page only, as after a crash or a bad copy
    ruined = cache.read_bytes()
    env = {**_knowledge_env(workspace.data_dir), "ASSISTANT_CACHE_DIR": str(cache.parent)}
    data = workspace.data_dir
    found = run_cli("search", "Who pays for delegates from developing countries?", "--json", data_dir=data, env=env)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)[0]["paragraph"] in {"OP4", "OP5"}
    asked = run_cli("ask", "Who pays?", "--generator", "extractive", "--json", data_dir=data, env=env)
    assert asked.returncode == 0 and json.loads(asked.stdout)["citations"], asked.stderr
    _change_pp17(workspace.knowledge_dir)  # the ingest must embed one new paragraph: it opens the cache
    done = run_cli("ingest", data_dir=data, env=env)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and "embedding cache" in warnings[0] and "set aside" in warnings[0], done.stderr
    aside = list(cache.parent.glob("embeddings.sqlite3.damaged-*"))
    assert [p.read_bytes() for p in aside if p.name.count("-") == 1] == [ruined], "the damaged file is kept aside"
    rows = sqlite3.connect(cache).execute("select count(*) from vectors").fetchone()[0]
    assert rows >= 1, "the new cache holds the vector just computed"
    pp17 = run_cli("search", "PP17", "--json", "--k", "1", data_dir=data, env=env)
    assert json.loads(pp17.stdout)[0]["text"]["en"] == NEW_PP17


def _post(url: str, path: str, body: dict) -> tuple[int, str]:
    request = urllib.request.Request(
        url + path, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.server
def test_a_running_server_follows_rebuilds_of_its_index(workspace, monkeypatch):
    """Two rebuilds delete the generation the server loaded; it answers from the new one."""
    from ui.screenshot import server

    data, env = workspace.data_dir, _knowledge_env(workspace.data_dir)
    monkeypatch.setenv("ASSISTANT_KNOWLEDGE_DIR", env["ASSISTANT_KNOWLEDGE_DIR"])
    with server(data_dir=data, generator="extractive") as url:
        status, body = _post(url, "/api/ask", {"question": "What does PP17 say?"})
        assert status == 200 and "cyberspace" not in body
        _change_pp17(workspace.knowledge_dir)
        for _ in range(2):
            rebuilt = run_cli("ingest", "--rebuild", data_dir=data, env=env)
            assert rebuilt.returncode == 0, rebuilt.stderr
        status, body = _post(url, "/api/ask", {"question": "What does PP17 say?"})
        assert status == 200, body
        assert "cyberspace" in body, "the answer comes from the new generation"
        chat = {"stream": True, "model": "extractive", "messages": [{"role": "user", "content": "Who pays?"}]}
        status, streamed = _post(url, "/v1/chat/completions", chat)
        events = [line[len("data: ") :] for line in streamed.splitlines() if line.startswith("data: ")]
        assert status == 200 and events[-1] == "[DONE]", streamed
        reply = "".join(json.loads(e)["choices"][0]["delta"].get("content", "") for e in events[:-1])
        assert "[OP4]" in reply or "[OP5]" in reply, reply
        with urllib.request.urlopen(f"{url}/api/health", timeout=60) as response:
            assert response.status == 200 and json.loads(response.read())["status"] == "ok"
