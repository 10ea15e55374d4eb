"""Shared fixtures, the network guard and the test tiers. Every test runs with the network cut: `make test`
runs pytest in a fresh network namespace when it can (only loopback exists), and the guard installed by
`pytest_configure` refuses any connection that is not to loopback in case it cannot.

Tiers (registered in pyproject.toml, `--strict-markers`): `browser`, `server`, `llm`, `eval`, `slow`.
`make test-fast` runs the tests with none of them; `make test` runs all. A test that uses the `web_server` or
`chroma_server` fixture is marked `server` here, so a new one cannot forget it."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from helpers import listening_port

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ["ANONYMIZED_TELEMETRY"] = "False"
# One embedding cache for the whole run, so the many small indexes the tests build embed each text once.
os.environ.setdefault("ASSISTANT_CACHE_DIR", tempfile.mkdtemp(prefix="assistant-test-cache-"))
# The fused order, unless a test chooses a reranker: with SmolLM2 as the local model, `auto` would judge hits
# with a 135M model and every retrieval test would rank by its guesses (tests/test_rerank.py tests auto itself).
os.environ.setdefault("ASSISTANT_RERANKER", "none")

_real_connect = socket.socket.connect


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise ConnectionRefusedError(f"network access in tests is forbidden: {address!r}")
    return _real_connect(self, address)


SERVER_FIXTURES = {"web_server", "chroma_server"}


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]


def pytest_unconfigure(config: pytest.Config) -> None:
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.server)


@pytest.fixture(scope="session")
def real_connect():
    return _real_connect


@pytest.fixture(scope="session")
def embedder():
    from assistant.indexing import make_embedder
    from assistant.settings import Settings

    return make_embedder(Settings())


@pytest.fixture(scope="session")
def built(tmp_path_factory, embedder):
    """Settings for an index built once for the session in a temporary data directory."""
    from assistant.indexing import ingest
    from assistant.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    ingest(settings, embedder=embedder)
    return settings


@pytest.fixture(scope="session")
def retriever(built, embedder):
    from assistant.indexing import open_retriever

    return open_retriever(built, embedder=embedder)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real Chroma server (`chroma run`) on 127.0.0.1, on a port the system picks; stopped after the session."""
    path = tmp_path_factory.mktemp("chroma-server")
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while (port := listening_port(proc.pid)) is None:
        if proc.poll() is not None:
            pytest.fail("chroma run exited before it listened")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("chroma run did not listen within 60 s")
        time.sleep(0.2)
    yield ("127.0.0.1", port)
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def web_server(built):
    """`assistant ui` (web UI and HTTP API) on the session's index with the extractive generator; one
    server for all the web tests. Its feedback log is built.data_dir / "feedback.jsonl", its output
    (stdout and stderr) built.data_dir / "server-output.txt"."""
    from ui.screenshot import server

    output = built.data_dir / "server-output.txt"
    # No rate limit: the web tests and the mixed load share one client address; the limit has its own server.
    with server(built.data_dir, "extractive", env={"ASSISTANT_RATE_LIMIT": "0"}, output=output) as url:
        yield url
