"""What every benchmark shares: spread statistics, the machine and its load at the time of a figure,
memory of a process, and where results go (docs/benchmarks/*.json, read by plots.py)."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "benchmarks"
BENCH_DATA = ROOT / "data" / "bench"  # built indexes and caches: outside git, reused between runs


def spread(values: list[float], digits: int = 1) -> dict:
    """Median, p95 (nearest rank), quartiles, min and max of a sample."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def rank(q: float) -> float:
        return ordered[max(0, min(len(ordered) - 1, int(round(q * len(ordered) + 0.5)) - 1))]

    return {
        "n": len(ordered),
        "median": round(statistics.median(ordered), digits),
        "p95": round(rank(0.95), digits),
        "q1": round(rank(0.25), digits),
        "q3": round(rank(0.75), digits),
        "min": round(ordered[0], digits),
        "max": round(ordered[-1], digits),
    }


def load() -> str:
    """The 1, 5 and 15 minute load averages: on two shared cores every timing depends on them."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(int(mem) / 2**20, 1),
        "python": platform.python_version(),
        "commit": subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
        ).stdout.strip(),
    }


def rss_mb(pid: int | str = "self") -> dict:
    """Resident memory now and at its peak (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    value = {line.split(":")[0]: int(line.split()[1]) for line in status if line.startswith(("VmRSS", "VmHWM"))}
    return {"rss_mb": round(value["VmRSS"] / 1024), "peak_mb": round(value["VmHWM"] / 1024)}


def tree_rss_mb(pid: int) -> int:
    """Resident memory of a process and its children, in MB."""
    pids = [pid] + [
        int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    ]
    return sum(rss_mb(p)["rss_mb"] for p in pids if Path(f"/proc/{p}").exists())


def du_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{proc.args[0]} exited before it listened") from None
            time.sleep(0.3)
    raise RuntimeError(f"nothing listened on {port} within {seconds} s")


def save(name: str, result: dict, command: str) -> Path:
    """Write docs/benchmarks/NAME.json with the machine, the load and the command that made it."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    record = {
        "name": name,
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "command": command,
        "machine": machine(),
        "load_at_end": load(),
        **result,
    }
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)
    return path
