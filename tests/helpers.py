"""What several test files share that is not a fixture: the checkout's root, the real `assistant` command,
ports. Fixtures live in conftest.py; test files import these from here, never from conftest."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
