"""Mixed load on one served `assistant ui`: 8 clients at once for about 20 s, each on its own keep-alive
connection, sending valid and malformed requests to every route (/api/ask, /v1/chat/completions streamed and
not, /api/paragraphs, /api/health, Gradio's /ask through its HTTP routes). Every valid request must get the
reply its question gets alone (a lost reply, or another question's, differs); every malformed one its one
sentence. Bounded by count and time: each client makes at least one round of every request, then stops after
SECONDS or MAX_REQUESTS, whichever comes first; nothing is asserted about speed."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

pytestmark = pytest.mark.slow  # about 20 s of load; `server` comes with the web_server fixture

CLIENTS = 8
SECONDS = 20
MAX_REQUESTS = 400  # per client
QUESTIONS = [
    "When and where will the organizational session be held?",
    "Who pays for the participation of representatives of developing countries?",
    "特设委员会的组织会议在哪里举行？",
    "How many countries voted in favour of the resolution?",
]


def _answer(body: dict) -> tuple:
    """What a reader sees of an Answer (its timings vary from one asking to the next)."""
    return body["answer"], body["answerable"], [(c["paragraph"], c["quote"]) for c in body["citations"]]


def _messages(content) -> dict:
    return {"model": "extractive", "messages": [{"role": "user", "content": content}]}


def ask(client: httpx.Client, question: str) -> tuple:
    response = client.post("/api/ask", json={"question": question})
    response.raise_for_status()
    return _answer(response.json())


def chat(client: httpx.Client, question: str) -> str:
    response = client.post("/v1/chat/completions", json=_messages(question))
    response.raise_for_status()
    return response.json()["choices"][0]["message"]["content"]


def chat_stream(client: httpx.Client, question: str) -> str:
    with client.stream("POST", "/v1/chat/completions", json={**_messages(question), "stream": True}) as response:
        response.raise_for_status()
        events = [line.removeprefix("data: ") for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]", events[-3:]
    return "".join(json.loads(e)["choices"][0]["delta"].get("content", "") for e in events[:-1])


def gradio_events(client: httpx.Client, data: list) -> list[tuple[str, object]]:
    """Gradio's two-step call: POST the inputs, then read the event stream of the event id it returns."""
    posted = client.post("/gradio_api/call/ask", json={"data": data})
    posted.raise_for_status()
    response = client.get(f"/gradio_api/call/ask/{posted.json()['event_id']}")
    response.raise_for_status()
    lines = response.text.splitlines()
    return [
        (line.removeprefix("event: "), json.loads(lines[i + 1].removeprefix("data: ")))
        for i, line in enumerate(lines)
        if line.startswith("event: ") and line != "event: heartbeat"
    ]


def gradio_ask(client: httpx.Client, question: str) -> tuple:
    events = gradio_events(client, [question, None, "extractive"])
    assert events[-1][0] == "complete", events
    return _answer(events[-1][1][0])


def paragraph(client: httpx.Client, pid: str) -> dict:
    response = client.get(f"/api/paragraphs/{pid}")
    response.raise_for_status()
    return response.json()


def health(client: httpx.Client, _: str) -> dict:
    response = client.get("/api/health")
    response.raise_for_status()
    return response.json()


VALID = {
    "ask": (ask, QUESTIONS),
    "chat": (chat, QUESTIONS),
    "stream": (chat_stream, QUESTIONS),
    "gradio": (gradio_ask, QUESTIONS),
    "paragraph": (paragraph, ["OP3", "FN5", "CAT:A/74/130"]),
    "health": (health, [""]),
}


def _sentence(response: httpx.Response, status: int, start: str) -> str | None:
    detail = response.json().get("detail") if response.status_code == status else None
    if isinstance(detail, str) and detail.startswith(start) and len(detail.splitlines()) == 1:
        return None
    return f"{response.status_code} {response.text[:200]}"


def _bad_gradio(client: httpx.Client) -> str | None:
    events = gradio_events(client, [QUESTIONS[0], "x", None])
    error = events[-1][1].get("error", "") if events and isinstance(events[-1][1], dict) else ""
    return None if events[-1][0] == "error" and error.startswith("The request is not valid (history: ") else str(events)


MALFORMED = {
    "chat text 5": lambda c: _sentence(
        c.post("/v1/chat/completions", json=_messages([{"type": "text", "text": 5}])), 422, "The request is not valid"
    ),
    "stream text null": lambda c: _sentence(
        c.post("/v1/chat/completions", json={**_messages([{"type": "text", "text": None}]), "stream": True}),
        422,
        "The request is not valid",
    ),
    "ask cut off": lambda c: _sentence(
        c.post("/api/ask", content=b'{"question": "who pa', headers={"content-type": "application/json"}),
        400,
        "The request body is not readable JSON",
    ),
    "ask question 42": lambda c: _sentence(c.post("/api/ask", json={"question": 42}), 422, "The request is not valid"),
    "paragraph OP99": lambda c: _sentence(c.get("/api/paragraphs/OP99"), 404, "There is no paragraph"),
    "gradio bogus event": lambda c: _sentence(c.get("/gradio_api/call/ask/bogus"), 404, "No question with this id"),
    "gradio history x": _bad_gradio,
}


def _jobs() -> list[tuple[str, str]]:
    """One round: every valid request and every malformed one, interleaved."""
    valid = [(kind, arg) for kind, (_, args) in VALID.items() for arg in args]
    bad = [(name, "") for name in MALFORMED]
    return [job for i in range(len(valid)) for job in [valid[i], *([bad[i]] if i < len(bad) else [])]]


def test_mixed_load_loses_no_answer_and_mixes_none_up(web_server):
    with httpx.Client(base_url=web_server, timeout=300) as alone:
        reference = {(kind, arg): VALID[kind][0](alone, arg) for kind, (_, args) in VALID.items() for arg in args}
    jobs, stop = _jobs(), threading.Event()

    def client_run(index: int) -> tuple[int, list[str]]:
        problems, done = [], 0
        deadline = time.monotonic() + SECONDS
        with httpx.Client(base_url=web_server, timeout=300) as client:  # one keep-alive connection per client
            while done < MAX_REQUESTS and (done < len(jobs) or time.monotonic() < deadline) and not stop.is_set():
                kind, arg = jobs[(index * 3 + done) % len(jobs)]
                done += 1
                try:
                    if kind in MALFORMED:
                        problem = MALFORMED[kind](client)
                    else:
                        got = VALID[kind][0](client, arg)
                        problem = None if got == reference[kind, arg] else f"a different reply: {got!r:.300}"
                except Exception as exc:  # a lost request: counted, and the client goes on
                    problem = f"lost: {type(exc).__name__}: {exc}"
                if problem:
                    problems.append(f"client {index}, {kind} {arg!r}: {problem}")
                    if len(problems) > 20:
                        stop.set()
        return done, problems

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(client_run, range(CLIENTS)))
    problems = [p for _, found in results for p in found]
    assert not problems, "\n".join(problems[:20])
    assert all(done >= len(jobs) for done, _ in results), "every client made every request at least once"
