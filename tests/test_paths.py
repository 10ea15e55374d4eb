"""Paths a user takes that the other files leave out, end to end against the real thing: follow-up questions
through `/api/ask` and multi-turn chat completions, `assistant ui` serving from a Chroma server, the
`assistant chat` conversation, and `assistant model check`."""

import json

import httpx
import pytest
from helpers import run_cli

from assistant.llm import MODEL_FILE, smollm2_path
from assistant.models import Answer

FIRST = "When is the organizational session?"
FOLLOW_UP = "And where?"
QUESTION = "When and where will the organizational session be held?"


@pytest.fixture(scope="module")
def http(web_server):
    with httpx.Client(base_url=web_server, timeout=120) as client:
        yield client


def _ask(http, question, history=()):
    response = http.post("/api/ask", json={"question": question, "history": list(history)})
    assert response.status_code == 200, response.text
    return Answer.model_validate(response.json())


def test_a_follow_up_through_api_ask_is_answered_from_the_conversation(http):
    first = _ask(http, FIRST)
    assert first.citations[0].paragraph == "OP3" and "August 2020" in first.answer
    alone = _ask(http, FOLLOW_UP)
    assert "New York" not in alone.answer  # on its own "And where?" is about nothing in particular
    history = [{"role": "user", "content": FIRST}, {"role": "assistant", "content": first.answer}]
    follow = _ask(http, FOLLOW_UP, history)
    assert follow.question == FOLLOW_UP and follow.answerable
    assert follow.citations[0].paragraph == "OP3" and "New York" in follow.answer
    assert "纽约" in follow.citations[0].quote and follow.citations[0].supported


def test_a_multi_turn_chat_completion_answers_the_last_question_from_the_conversation(http):
    first = http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": FIRST}]}).json()
    said = first["choices"][0]["message"]["content"]
    messages = [
        {"role": "system", "content": "You answer questions about the resolution."},
        {"role": "user", "content": FIRST},
        {"role": "assistant", "content": said},
        {"role": "user", "content": FOLLOW_UP},
    ]
    whole = http.post("/v1/chat/completions", json={"messages": messages}).json()
    content = whole["choices"][0]["message"]["content"]
    assert "New York" in content and "[OP3]" in content
    assert whole["citations"][0]["paragraph"] == "OP3" and whole["answerable"] is True
    with http.stream("POST", "/v1/chat/completions", json={"messages": messages, "stream": True}) as response:
        lines = [line.removeprefix("data: ") for line in response.iter_lines() if line.startswith("data: ")]
    streamed = "".join(json.loads(e)["choices"][0]["delta"].get("content", "") for e in lines[:-1])
    assert streamed == content


def test_assistant_ui_answers_from_a_chroma_server(chroma_server, tmp_path, monkeypatch):
    from ui.screenshot import server

    host, port = chroma_server
    env = {"CHROMA_HOST": host, "CHROMA_PORT": str(port), "ASSISTANT_COLLECTION": "paths-ui"}
    out = run_cli("ingest", data_dir=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    from assistant.knowledge import build_chunks, load
    from assistant.settings import Settings

    expected = len(build_chunks(load(Settings()), Settings()))  # every paragraph, entry and note, no model here
    assert f"Index at {host}:{port}: {expected} chunks added" in out.stdout
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with server(data_dir=tmp_path, generator="extractive") as url, httpx.Client(base_url=url, timeout=120) as http:
        assert http.get("/api/health").json()["paragraphs"] == 30
        answer = _ask(http, QUESTION)
        op3 = next(c for c in answer.citations if c.paragraph == "OP3")
        assert "New York" in answer.answer and "纽约" in op3.quote and op3.supported
        assert "纽约" in http.get("/api/paragraphs/OP3").json()["zh"]
    assert not (tmp_path / "chroma").exists(), "the index must live in the server, not in data_dir"


def _turns(stdout: str) -> list[str]:
    """The answers of an `assistant chat` session, one per question (the prompt is '> ')."""
    return stdout.split("\n> ")[1:-1]


def test_assistant_chat_keeps_the_conversation_through_a_bad_line(built):
    stdin = f"{FIRST}\n\x00\x01\n{FOLLOW_UP}\n"
    out = run_cli("chat", "--generator", "extractive", data_dir=built.data_dir, stdin=stdin)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Ask about A/C.3/74/L.11/Rev.1") and "generator: extractive" in out.stdout
    assert "Error: The question is empty: type a question about the resolution." in out.stderr
    assert "Traceback" not in out.stderr
    first, bad, follow = _turns(out.stdout)
    assert "August 2020" in first and "[OP3]" in first
    assert bad == ""  # the error went to stderr; the conversation goes on
    sources = follow.split("Sources:")[1]
    assert "New York" in follow and sources.split()[0] == "[OP3]"
    alone = run_cli("ask", FOLLOW_UP, "--generator", "extractive", data_dir=built.data_dir)
    assert alone.returncode == 0 and "New York" not in alone.stdout


def test_model_check_without_a_model_and_with_a_corrupt_one(tmp_path, monkeypatch):
    monkeypatch.delenv("ASSISTANT_MODEL_PATH", raising=False)
    path = tmp_path / "models" / MODEL_FILE
    out = run_cli("model", "check", data_dir=tmp_path)
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr == f"Error: The local model is not installed at {path}: run `assistant model install`.\n"
    path.parent.mkdir()
    path.write_bytes(b"GGUF" + b"\0" * 1024)
    out = run_cli("model", "check", data_dir=tmp_path)
    assert out.returncode == 1
    assert out.stderr == (
        f"Error: The model file {path} is corrupt (wrong sha256): delete it and run `assistant model install`.\n"
    )
    assert not path.with_suffix(".verified").exists(), "a corrupt file must not be remembered as checked"


def test_model_check_of_a_folder_is_one_sentence(tmp_path, monkeypatch):
    monkeypatch.delenv("ASSISTANT_MODEL_PATH", raising=False)
    (tmp_path / "models" / MODEL_FILE).mkdir(parents=True)
    out = run_cli("model", "check", data_dir=tmp_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr and len(out.stderr.splitlines()) == 1
    assert "is a folder, not the model file" in out.stderr


def test_model_check_never_calls_a_model_of_your_choice_corrupt(tmp_path):
    """ASSISTANT_MODEL_PATH may name any GGUF file (the `local` generator runs it): it has no published
    sha256, so `model check` must not tell its owner to delete it."""
    good = run_cli("model", "check", data_dir=tmp_path, env={"ASSISTANT_MODEL_PATH": str(smollm2_path())})
    assert good.returncode == 0, good.stderr
    assert "corrupt" not in good.stdout + good.stderr and "is a GGUF file" in good.stdout
    junk = tmp_path / "notes.gguf"
    junk.write_text("not a model")
    bad = run_cli("model", "check", data_dir=tmp_path, env={"ASSISTANT_MODEL_PATH": str(junk)})
    assert bad.returncode == 1
    assert bad.stderr == f"Error: {junk} is not a GGUF model file: set ASSISTANT_MODEL_PATH to a GGUF file.\n"
