"""Shared fixtures. Every test runs with the network cut: `make test` runs pytest in a fresh
network namespace when it can (only loopback exists), and this guard refuses any connection
that is not to loopback in case it cannot."""

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

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ["ANONYMIZED_TELEMETRY"] = "False"
# One embedding cache for the whole run, so the many small indexes the tests build embed each text once.
os.environ.setdefault("ASSISTANT_CACHE_DIR", tempfile.mkdtemp(prefix="assistant-test-cache-"))

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


socket.socket.connect = _guarded_connect


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


def free_port() -> int:
    """A port nothing listens on, for tests of a server that is not there. A server the tests start binds
    port 0 itself and says which port it got (handing this port on to a process would be a race)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_port(pid: int) -> int | None:
    """The port process `pid` listens on at 127.0.0.1, from /proc (`chroma run --port 0` binds a free port
    but prints ":0"), or None while it listens on none."""
    try:
        inodes = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
    except OSError:
        return None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if state == "0A" and local.startswith("0100007F:") and f"socket:[{inode}]" in inodes:
            return int(local.split(":")[1], 16)
    return None


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


def run_cli(*args: str, data_dir: Path, stdin: str | None = None, env: dict | None = None, timeout: float = 300):
    """Run the real `assistant` console script as a user would. A limit against a hung process, not a
    speed check: generous, since a shared CI machine can be several times slower than an idle one."""
    exe = Path(sys.executable).parent / "assistant"
    return subprocess.run(
        [str(exe), "--data-dir", str(data_dir), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


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
