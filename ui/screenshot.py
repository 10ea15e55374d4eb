"""The screenshots in docs/, taken the way a reader would get them: the server `make run` starts (default
generator), each question asked in the page, the chip of its paragraph clicked: the README question with
OP3 opened (docs/screenshot.png) and a Chinese ordinal question with PP10 opened (docs/screenshot-zh.png).
The browser tests use `launch` too.

    python -m ui.screenshot [--url http://127.0.0.1:7860] [--out-dir docs]

Without --url it starts `assistant ui` on a free port and stops it afterwards."""

from __future__ import annotations

import argparse
import contextlib
import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"  # Debian's package (`make browser`); Playwright never downloads its own
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
QUESTION = "When and where will the organizational session be held?"
# (question, paragraph whose chip is clicked, file in --out-dir)
SHOTS = [(QUESTION, "OP3", "screenshot.png"), ("专家组第四次会议是在哪几天举行的？", "PP10", "screenshot-zh.png")]


def launch(playwright):
    """Debian's chromium, headless; Playwright gives it a fresh temporary profile and deletes it after."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)


def ask(page, question: str, timeout_ms: float = 300_000) -> None:
    """Types a question and waits until its verified answer (not a draft) is shown."""
    answers = page.locator("#chat .answer, #chat .not-said, #chat .error")
    before = answers.count()
    page.fill("#question textarea", question)
    page.click("#ask")
    answers.nth(before).wait_for(timeout=timeout_ms)


def open_citation(page, pid: str, turn: int = 0) -> None:
    page.locator(f'#chat button.chip[value="{turn}:{pid}"]').first.click()
    page.locator(f'#source .source[data-paragraph="{pid}"] .official mark.quote').wait_for(timeout=60_000)


RUNNING = re.compile(r"The assistant is running at (http://\S+) ")


@contextlib.contextmanager
def server(
    data_dir: Path | None = None,
    generator: str | None = None,
    timeout: float = 300,
    env: dict[str, str] | None = None,
    output: Path | None = None,
) -> Iterator[str]:
    """`assistant ui` until the block ends, on a port the system picks (`--port 0`: no port is chosen here and
    then lost to another process); yields the URL it prints once it is ready. Its stdout and stderr go to
    `output` when given, else to this process's stderr. `env` is added to this process's environment."""
    exe = Path(sys.executable).parent / "assistant"
    command = [str(exe), *(["--data-dir", str(data_dir)] if data_dir else []), "ui", "--port", "0"]
    command += ["--generator", generator] if generator else []
    environ = {**os.environ, **(env or {})}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environ)
    found: queue.Queue[str | None] = queue.Queue()
    copier = threading.Thread(target=_copy_output, args=(proc.stdout, output, found), daemon=True)
    copier.start()
    try:
        try:
            url = found.get(timeout=timeout)
        except queue.Empty:
            url = None
        if url is None:
            raise RuntimeError(f"assistant ui did not start within {timeout:g} s (exit code {proc.poll()})")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        copier.join(timeout=20)


def _copy_output(stream, output: Path | None, found: queue.Queue) -> None:
    """Copies the server's output line by line and hands over its URL; None once it ends without one."""
    sink = output.open("a", encoding="utf-8") if output else os.fdopen(os.dup(2), "w", encoding="utf-8")
    with sink:
        for line in stream:
            sink.write(line)
            sink.flush()
            if match := RUNNING.search(line):
                found.put(match[1])
    found.put(None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="A running server; unset: start one.")
    parser.add_argument("--out-dir", type=Path, default=Path("docs"))
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(server())
        for question, pid, name in SHOTS:
            shoot(url, question, pid, args.out_dir / name)


def shoot(url: str, question: str, pid: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url)
        ask(page, question)
        open_citation(page, pid)
        page.wait_for_timeout(1500)  # Gradio fades an updated output in; let it finish for the picture
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        print(page.locator("#chat .answer, #chat .not-said").last.inner_text())
        print(page.locator("#status").inner_text())
        browser.close()
    print(f"Saved {out}.")


if __name__ == "__main__":
    main()
