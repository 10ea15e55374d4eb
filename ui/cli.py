"""`assistant ui`: the web UI and the HTTP API on one server. The `assistant` command finds it through the
`assistant.commands` entry point (pyproject.toml); importing this module loads no Gradio, so listing the
commands (`assistant --help`) stays quick."""

from __future__ import annotations

import click

from assistant.cli import GENERATOR_CHOICE
from assistant.settings import Settings


@click.command("ui")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=7860,
    show_default=True,
    help="Port to listen on; 0: a free one, named in the address printed.",
)
@click.option("--generator", type=GENERATOR_CHOICE, default=None, help="Default generator of the UI and the API.")
@click.pass_obj
def command(settings: Settings, host: str, port: int, generator: str | None) -> None:
    """The web UI and the HTTP API (/api/ask, /v1/chat/completions) on one server."""
    from .server import serve

    serve(settings.model_copy(update={"generator": generator}) if generator else settings, host, port, click.echo)
