"""Wiring: one Service, the HTTP API on a FastAPI app, the Gradio UI mounted on the same app at /.

The API routes are registered first, so /api/*, /v1/* and /openapi.json are answered by FastAPI and
everything else by Gradio."""

from __future__ import annotations

import logging
import re
import socket
from pathlib import Path
from urllib.parse import parse_qs

import click
import gradio as gr
import uvicorn
from fastapi import FastAPI

from assistant.api import create_api
from assistant.errors import UserError
from assistant.security import Guard, check_auth_settings, is_loopback, redact_logs, reply_json
from assistant.service import Service
from assistant.settings import Settings

from .app import build_ui

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
# System fonts only: the theme's own font files are served locally, and CJK text falls back to the
# reader's installed fonts. Nothing is fetched from a font service.
FONTS = [
    "Source Sans Pro",
    "Noto Sans CJK SC",
    "WenQuanYi Micro Hei",
    "PingFang SC",
    "Microsoft YaHei",
    "system-ui",
    "sans-serif",
]
MONO = ["IBM Plex Mono", "ui-monospace", "monospace"]


def create_app(settings: Settings, service: Service | None = None) -> FastAPI:
    """The API and the UI on one app, behind the Guard (authentication, size and rate limits)."""
    service = service or Service(settings)
    app = create_api(service)
    theme = gr.themes.Default(font=[gr.themes.LocalFont("Source Sans Pro"), *FONTS[1:]], font_mono=MONO)
    blocks = build_ui(service)
    app = gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        theme=theme,
        css=(HERE / "style.css").read_text(encoding="utf-8"),
        head=f"<script>{(HERE / 'chips.js').read_text(encoding='utf-8')}</script>",
        footer_links=["api"],
        run_history=False,
        mcp_server=False,
        ssr_mode=False,
        enable_monitoring=False,
        pwa=False,
    )
    app.add_middleware(UnknownEvents, blocks=blocks)
    app.add_middleware(Guard, settings=settings)
    return app


EVENT_RESULT = re.compile(r"^/gradio_api/call/(?:v2/)?[^/]+/([^/]+)/?$")
NO_EVENT = (
    "No question with this id is waiting for its answer: send the question first (POST /gradio_api/call/ask) "
    "and read the answer with the event_id it returns."
)


class UnknownEvents:
    """Gradio starts the event stream of an unknown event or session id and only then finds it unknown, which
    ends in a traceback ("response already started") and a cut-off reply. The check it makes, made before the
    reply starts, gives a 404 with one sentence instead."""

    def __init__(self, app, blocks: gr.Blocks) -> None:
        self.app = app
        self.blocks = blocks

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope.get("method") == "GET":
            session = self._session(scope)
            if session is not None and session not in self.blocks._queue.pending_messages_per_session:
                return await reply_json(send, 404, NO_EVENT)
        await self.app(scope, receive, send)

    def _session(self, scope) -> str | None:
        """The session whose messages the route streams (Gradio's own lookup), or None for other routes."""
        path = scope.get("path", "")
        if path.rstrip("/") == "/gradio_api/queue/data":
            return parse_qs(scope.get("query_string", b"").decode("latin-1")).get("session_hash", [""])[0]
        match = EVENT_RESULT.match(path)
        if match is None:
            return None
        queue, event_id = self.blocks._queue, match[1]
        event = queue.event_ids_to_events.get(event_id)
        if event is not None:
            return event.session_hash
        return next((s for s, ids in queue.pending_event_ids_session.items() if event_id in ids), event_id)


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything loads: port 0 takes a free port with no race (the caller
    reads the port from the address printed), and a port in use is one sentence, not uvicorn's traceback."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UserError(f"Cannot listen on {host}:{port} ({exc.strerror}): stop what uses it or pass --port.") from exc
    sock.listen(2048)
    return sock


UNGUARDED = """
!!! WARNING: the assistant is listening on {host}, an address other machines can reach, and
!!! anyone who reaches it can use it: there is no authentication. Set ASSISTANT_AUTH_USER and
!!! ASSISTANT_AUTH_PASSWORD (and put a TLS proxy in front), or listen on 127.0.0.1.
"""


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, echo=click.echo) -> None:
    """Builds everything (index, UI), then listens; the address is printed once it is ready.

    uvicorn's own X-Forwarded-For handling is off (it trusts 127.0.0.1 by default, so any local client could
    pick its address): the Guard reads the header from ASSISTANT_TRUSTED_PROXIES only."""
    guarded = check_auth_settings(settings)
    sock = listen(host, port)
    if not is_loopback(host) and not guarded:
        log.warning("listening on %s without authentication", host)
        echo(UNGUARDED.format(host=host).strip("\n"), err=True)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        timeout_graceful_shutdown=settings.shutdown_grace,
    )
    redact_logs(settings)  # uvicorn's handlers exist once its Config is made
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    port = sock.getsockname()[1]
    echo(f"The assistant is running at http://{shown}:{port} (API: /api/ask, /v1/chat/completions). Ctrl-C stops it.")
    uvicorn.Server(config).run(sockets=[sock])
