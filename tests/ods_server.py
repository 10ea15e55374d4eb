"""A stand-in for the UN Official Document System on 127.0.0.1: /api/symbol/access?s=&l=&t= answers
with a redirect to the file, or 404. Files honour Range requests; a file can be set to be cut off
mid-body for its first N answers, and a symbol to answer only after a delay."""

from __future__ import annotations

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit


class ODS:
    def __init__(self) -> None:
        self.files: dict[tuple[str, str, str], bytes] = {}  # (symbol, lang, format) -> bytes
        self.cut: dict[tuple[str, str, str], int] = {}  # answers still to cut off half-way
        self.slow: dict[str, float] = {}  # symbol -> seconds before answering
        self.log: list[tuple[str, str | None]] = []  # (path, Range header)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.ods = self
        self._server.handle_error = lambda request, address: None  # a client that gave up is no error here
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/symbol/access"

    def downloads(self) -> int:
        return sum(1 for path, _ in self.log if path.startswith("/files/"))

    def __enter__(self) -> ODS:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        ods: ODS = self.server.ods
        url = urlsplit(self.path)
        ods.log.append((self.path, self.headers.get("Range")))
        if url.path == "/api/symbol/access":
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            key = (q.get("s", ""), q.get("l", ""), q.get("t", ""))
            time.sleep(ods.slow.get(key[0], 0))
            if key not in ods.files:
                return self._send(404, b"<html><body>Document not found</body></html>", "text/html")
            self.send_response(302)
            self.send_header("Location", "/files/" + quote("|".join(key), safe=""))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if url.path.startswith("/files/"):
            key = tuple(unquote(url.path[len("/files/") :]).split("|"))
            data = ods.files[key]
            match = re.match(r"bytes=(\d+)-$", self.headers.get("Range") or "")
            start = int(match.group(1)) if match else 0
            body = data[start:]
            self.send_response(206 if start else 200)
            self.send_header("Content-Type", "application/pdf" if key[2] == "pdf" else "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()
            if ods.cut.get(key, 0) > 0:
                ods.cut[key] -= 1
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return None
            self.wfile.write(body)
            return None
        return self._send(404, b"no such path", "text/plain")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
