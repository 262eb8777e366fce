"""``webstatus`` in a real headless browser (Debian's Chromium driven by
Playwright): the page loads, connects, and the monitor's screen with the
jugfile's task names and counts reaches the browser."""

from __future__ import annotations

import re
import shutil
import socket
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
JUGFILES = Path(__file__).parent / "jugfiles"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>]")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed "
                    "(apt-get install chromium); the browser test needs it")
def test_the_page_shows_the_monitor_screen(spawn, run_cli, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    shutil.copy(JUGFILES / "tui_small.py", tmp_path)
    r = run_cli("run", "tui_small.py", "--name", "tui_small.square",
                env={"TUI_TEST_DELAY": "0"})
    assert r.returncode == 0, r.stderr
    port = _free_port()
    server = spawn("jug_async", "webstatus", "tui_small.py", "--port", str(port),
                   "--interval", "0.2")
    url = f"http://127.0.0.1:{port}/"
    page_html = _wait_http(url)
    assert f"ws://127.0.0.1:{port}/ws" in page_html
    assert f"on http://127.0.0.1:{port}" in server.stdout  # bound to loopback by default

    received: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(  # a fresh profile
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True,
            viewport={"width": 1400, "height": 900},
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page()
            page.on("websocket", lambda ws: ws.on(
                "framereceived", lambda payload: received.append(
                    payload.decode("utf-8", "replace") if isinstance(payload, bytes)
                    else payload)))
            page.goto(url, wait_until="domcontentloaded")
            page.wait_for_selector(".-connected", state="attached", timeout=30_000)

            def screen() -> str:
                return _ANSI.sub("", "".join(received))

            deadline = time.monotonic() + 30
            while not all(n in screen() for n in ("tui_small.square", "tui_small.add",
                                                  "tui_small.total", "12/19")):
                assert time.monotonic() < deadline, f"never shown:\n{screen()[-3000:]}"
                page.wait_for_timeout(200)
            assert "WATCHING" in screen()  # the monitor, not a live run
            assert page.locator(".textual-terminal canvas").count() > 0  # drawn, not blank
        finally:
            browser.close()
    server.kill()


def test_bad_port_and_taken_port_are_one_line_and_exit_2(run_cli, tmp_path):
    shutil.copy(JUGFILES / "tui_small.py", tmp_path)
    r = run_cli("webstatus", "tui_small.py", "--port", "0")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--port" in r.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = run_cli("webstatus", "tui_small.py", "--port", str(port))
    assert r.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_jugfile_serves_nothing(run_cli):
    r = run_cli("webstatus", "nothere.py", "--port", str(_free_port()))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
