"""The README's screenshot, taken the way a reader would get it: the server `make run` starts (default
generator), the question asked in the page, the OP3 chip clicked. The browser tests use `launch` too.

    python -m ui.screenshot [--url http://127.0.0.1:7860] [--out docs/screenshot.png]

Without --url it starts `assistant ui` on a spare port and stops it afterwards."""

from __future__ import annotations

import argparse
import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
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


@contextlib.contextmanager
def server(data_dir: Path | None = None, generator: str | None = None, timeout: float = 300) -> Iterator[str]:
    """`assistant ui` on a free loopback port until the block ends; yields its URL once it answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).parent / "assistant"
    command = [str(exe), *(["--data-dir", str(data_dir)] if data_dir else []), "ui", "--port", str(port)]
    command += ["--generator", generator] if generator else []
    proc = subprocess.Popen(command)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/health", timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"assistant ui did not start (exit code {proc.poll()})") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="A running server; unset: start one.")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshot.png"))
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(server())
        shoot(url, args.out)


def shoot(url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url)
        ask(page, QUESTION)
        open_citation(page, "OP3")
        page.wait_for_timeout(1500)  # Gradio fades an updated output in; let it finish for the picture
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        print(page.locator("#chat .answer, #chat .not-said").last.inner_text())
        print(page.locator("#status").inner_text())
        browser.close()
    print(f"Saved {out}.")


if __name__ == "__main__":
    main()
