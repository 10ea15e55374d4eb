"""Wiring: one Service, the HTTP API on a FastAPI app, the Gradio UI mounted on the same app at /.

The API routes are registered first, so /api/*, /v1/* and /openapi.json are answered by FastAPI and
everything else by Gradio."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import click
import gradio as gr
import uvicorn
from fastapi import FastAPI

from assistant.api import create_api
from assistant.errors import UserError
from assistant.security import Guard, check_auth_settings, is_loopback, redact_logs
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
    app = gr.mount_gradio_app(
        app,
        build_ui(service),
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
    app.add_middleware(Guard, settings=settings)
    return app


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
    """Builds everything (index, UI), then listens; the address is printed once it is ready."""
    guarded = check_auth_settings(settings)
    sock = listen(host, port)
    if not is_loopback(host) and not guarded:
        log.warning("listening on %s without authentication", host)
        echo(UNGUARDED.format(host=host).strip("\n"), err=True)
    app = create_app(settings)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    redact_logs(settings)  # uvicorn's handlers exist once its Config is made
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    port = sock.getsockname()[1]
    echo(f"The assistant is running at http://{shown}:{port} (API: /api/ask, /v1/chat/completions). Ctrl-C stops it.")
    uvicorn.Server(config).run(sockets=[sock])
