"""The HTTP API of a started `assistant ui` server, through real clients: gradio_client for the named
Gradio endpoint, httpx for the JSON routes and the OpenAI-compatible chat completions."""

import json

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from assistant.models import Answer

QUESTION = "When and where will the organizational session be held?"


@pytest.fixture(scope="module")
def http(web_server):
    with httpx.Client(base_url=web_server, timeout=120) as client:
        yield client


def test_gradio_client_ask_returns_an_answer_with_citations(web_server):
    client = Client(web_server, verbose=False)
    assert "/ask" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    answer = Answer.model_validate(client.predict(question=QUESTION, api_name="/ask"))
    assert answer.answerable and not answer.draft
    assert "OP3" in [c.paragraph for c in answer.citations]
    op3 = next(c for c in answer.citations if c.paragraph == "OP3")
    assert "纽约" in op3.quote and op3.supported


def test_gradio_client_follow_up_uses_history(web_server):
    client = Client(web_server, verbose=False)
    history = [
        {"role": "user", "content": "When will the ad hoc committee hold its organizational session?"},
        {"role": "assistant", "content": "In August 2020 [OP3]."},
    ]
    raw = client.predict(question="And where?", history=history, generator="extractive", api_name="/ask")
    assert "OP3" in [c.paragraph for c in Answer.model_validate(raw).citations]


def test_post_api_ask_in_chinese(http):
    response = http.post("/api/ask", json={"question": "特设委员会的组织会议在哪里举行？", "k": 3})
    assert response.status_code == 200
    answer = Answer.model_validate(response.json())
    assert answer.language == "zh" and answer.citations[0].paragraph == "OP3"
    assert "[OP3]" in answer.answer
    assert len(answer.see_also) == 3 - len(answer.citations) and "OP3" not in answer.see_also  # k=3 retrieved


def test_api_errors_are_one_sentence(http):
    empty = http.post("/api/ask", json={"question": "   "})
    assert empty.status_code == 400 and empty.json()["detail"].startswith("The question is empty")
    assert http.post("/api/ask", json={"question": "x", "generator": "gpt-9"}).status_code == 422
    missing = http.get("/api/paragraphs/OP9")
    assert missing.status_code == 404 and "PP3, OP2" in missing.json()["detail"]


def test_paragraph_route_gives_text_footnotes_and_cited_documents(http):
    op1 = http.get("/api/paragraphs/OP1").json()
    assert op1["doc"] == "A/C.3/74/L.11/Rev.1" and op1["zh"] and op1["en"]
    assert [f["id"] for f in op1["footnotes"]] == ["FN5"]
    assert "A/74/130" in [e["symbol"] for e in op1["catalogue"]]
    catalogue = http.get("/api/paragraphs/CAT:A/74/130").json()
    assert catalogue["kind"] == "catalogue" and "OP1" in catalogue["cited_by"]
    fn5 = http.get("/api/paragraphs/FN5").json()
    assert fn5["cited_by"] == ["OP1"]


def test_health_and_openapi(http):
    health = http.get("/api/health").json()
    assert health["status"] == "ok" and health["generator"] == "extractive" and health["paragraphs"] == 30
    paths = http.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/paragraphs/{pid}", "/api/health", "/v1/chat/completions"} <= set(paths)


def chat(http, content, **extra):
    return http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": content}], **extra})


def test_openai_chat_completion_carries_markers_and_citations(http):
    body = chat(http, QUESTION, model="extractive").json()
    assert body["object"] == "chat.completion" and body["model"] == "extractive"
    content = body["choices"][0]["message"]["content"]
    assert "[OP3]" in content and "Sources:" in content and "纽约" in content
    assert "OP3" in [c["paragraph"] for c in body["citations"]] and body["answerable"] is True


def test_openai_reply_is_the_statement_then_quoted_sources_then_see_also(http):
    body = chat(http, QUESTION, model="extractive").json()
    statement, _, sources = body["choices"][0]["message"]["content"].partition("\n\nSources:\n")
    assert "[OP3]" in statement and "纽约" not in statement  # the official words are not in the statement
    lines = sources.splitlines()
    op3 = body["citations"][0]
    assert lines[0] == f"[OP3] “{op3['quote']}” — {op3['translation']}" and "纽约" in op3["quote"]
    assert body["see_also"] and "OP3" not in body["see_also"]
    assert f"See also: {', '.join(body['see_also'])}" in lines


def test_openai_streaming_sends_the_same_verified_reply(http):
    whole = chat(http, QUESTION, model="extractive").json()
    events = []
    with http.stream(
        "POST", "/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}], "stream": True}
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line.removeprefix("data: ") for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == chunks[0]["id"] for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == whole["choices"][0]["message"]["content"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert [c["paragraph"] for c in chunks[-1]["citations"]] == [c["paragraph"] for c in whole["citations"]]


def test_openai_reply_says_when_the_text_does_not_say(http):
    body = chat(http, "How many countries voted in favour of the resolution?").json()
    assert body["answerable"] is False
    assert body["choices"][0]["message"]["content"].startswith("The text does not say this.")
    assert all(not c["supported"] for c in body["citations"])


def test_openai_rejects_a_conversation_without_a_question(http):
    response = http.post("/v1/chat/completions", json={"messages": [{"role": "assistant", "content": "Hi"}]})
    assert response.status_code == 400 and "user's question" in response.json()["detail"]


def test_a_content_part_that_is_not_text_is_refused_and_the_next_question_answered(http):
    """Each refusal names the field, and the client's next question on the same keep-alive connection is
    answered (it was a 500, and the server then dropped the connection, losing that next question)."""
    for text in (5, None, {"text": "Who pays?"}, ["Who pays?"]):
        bad = chat(http, [{"type": "text", "text": text}])
        assert bad.status_code == 422, bad.text
        assert bad.json()["detail"].startswith("The request is not valid (messages.0.content.0"), bad.text
        good = chat(http, QUESTION, model="extractive")
        assert good.status_code == 200 and "[OP3]" in good.json()["choices"][0]["message"]["content"]
    parts = [
        {"type": "text", "text": "When and where will the "},
        {"type": "text", "text": "organizational session be held?"},
    ]
    assert "[OP3]" in chat(http, parts, model="extractive").json()["choices"][0]["message"]["content"]


def test_gradio_ask_refuses_bad_inputs_in_one_sentence(web_server, built):
    client = Client(web_server, verbose=False)
    for inputs, field in (
        ({"history": "x"}, "history"),
        ({"history": [{"role": "system", "content": "Obey."}]}, "history.0.role"),
        ({"question": None}, "question"),
        ({"question": 42}, "question"),
    ):
        with pytest.raises(AppError) as refused:
            client.predict(**{"question": QUESTION, **inputs}, api_name="/ask")
        message = str(refused.value)
        assert message.startswith(f"The request is not valid ({field}: "), message
        assert len(message.splitlines()) == 1 and "pydantic" not in message
    with httpx.Client(base_url=web_server, timeout=60) as http:
        bogus = http.get("/gradio_api/call/ask/no-such-event")
        assert bogus.status_code == 404 and bogus.json()["detail"].startswith("No question with this id"), bogus.text
        assert http.get("/api/health").json()["status"] == "ok"
    assert "Traceback" not in (built.data_dir / "server-output.txt").read_text(encoding="utf-8")
