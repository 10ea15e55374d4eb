"""Misbehaving OpenAI-compatible endpoints on 127.0.0.1, for the faults a real model server shows: one
that accepts and never answers, one that starts an answer and never finishes it, one that echoes the
API key in its error (as some proxies do), and one that obeys whatever the prompt says (a jailbroken
model: it recites its system prompt and invents a date). Real sockets and HTTP; nothing of ours is mocked."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextlib.contextmanager
def hanging() -> Iterator[str]:
    """Accepts connections, reads nothing, answers nothing."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    finally:
        stop.set()
        thread.join()
        for s in [*held, listener]:
            s.close()


def _sse(handler: BaseHTTPRequestHandler, pieces: Iterator[str], pause: float = 0.0) -> None:
    handler.send_response(200)
    handler.send_header("content-type", "text/event-stream")
    handler.end_headers()
    for piece in pieces:
        chunk = {
            "id": "x",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
        }
        handler.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        handler.wfile.flush()
        time.sleep(pause)
    handler.wfile.write(b"data: [DONE]\n\n")


class _Handler(BaseHTTPRequestHandler):
    behaviour = "obedient"

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            getattr(self, self.behaviour)(body)

    def trickling(self, body: dict) -> None:
        """An answer that starts at once and never ends: a token every 0.2 s, forever."""

        def forever():
            while True:
                yield "The committee "

        _sse(self, forever(), pause=0.2)

    def key_echoing(self, body: dict) -> None:
        message = {"error": {"message": f"Incorrect API key provided: {self.headers.get('authorization')}"}}
        payload = json.dumps(message).encode()
        self.send_response(401)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def obedient(self, body: dict) -> None:
        """Recites its system prompt, then a claim with a date no paragraph holds, all cited to OP3. (It leaves
        out the prompt's line with the refusal phrase NOT IN TEXT, which would make the reply a refusal.)"""
        system = next((m["content"] for m in body.get("messages", []) if m["role"] == "system"), "")
        lines = [f"{line.strip()} [OP3]." for line in system.splitlines() if line.strip() and "NOT IN" not in line]
        lines.append("The organizational session will be held on 1 April 2031 in Paris [OP3].")
        _sse(self, (word + " " for word in " ".join(lines).split(" ")))

    def scripted(self, body: dict) -> None:
        """Answers every request with `reply`."""
        _sse(self, iter([self.reply]))

    def slow(self, body: dict) -> None:
        """Answers every request with `reply`, a word every `pause` seconds, as a model on a busy CPU does."""
        _sse(self, (word + " " for word in self.reply.split(" ")), pause=self.pause)

    def recording(self, body: dict) -> None:
        """Keeps each request's messages (in `received`) and answers that the text does not say."""
        self.received.append(body.get("messages", []))
        _sse(self, iter(["NOT IN TEXT"]))


@contextlib.contextmanager
def serving(behaviour: str, received: list | None = None, reply: str = "", pause: float = 0.0) -> Iterator[str]:
    """One of the HTTP behaviours above (trickling, key_echoing, obedient, scripted, slow, recording), as an
    OpenAI base URL."""
    received = received if received is not None else []
    attributes = {"behaviour": behaviour, "received": received, "reply": reply, "pause": pause}
    handler = type("Handler", (_Handler,), attributes)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()
