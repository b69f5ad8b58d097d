"""``crewline console`` as a newcomer uses it: a key from ``crewline keys create``, the demo's card
freeze from ``crewline run``, approved in the browser; bad flags are one line, never a traceback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.browser.console_site import free_port
from tests.support.cli import crewline

STOLEN_CARD = "My card was stolen, please freeze it. Customer C-1005."


@contextmanager
def console_process(data_dir: Path, port: int) -> Iterator[str]:
    """``crewline console --port PORT`` over ``data_dir``, stopped after: its console URL."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CREWLINE_"))}
    environ.update(CREWLINE_DATA_DIR=str(data_dir), LANGSMITH_TRACING="false")
    process = subprocess.Popen(
        [sys.executable, "-m", "crewline.cli", "console", "--port", str(port)],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/crewline/console"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/login", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"crewline console did not start: {process.stderr}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_newcomer_approves_the_demo_card_freeze(page: Any, tmp_path: Path, screenshots: Path) -> None:
    key = crewline(
        "keys", "create", "--user", "bob", "--tenant", "acme", "--role", "approver", data_dir=tmp_path
    )
    assert key.returncode == 0, key.stderr
    run = crewline("run", STOLEN_CARD, "--user", "ann", "--json", data_dir=tmp_path)
    assert run.returncode == 0, run.stderr
    ticket_id = json.loads(run.stdout)["escalation"]["ticket_id"]
    with console_process(tmp_path, free_port()) as url:
        page.goto(url + "/")
        page.fill("#api_key", key.stdout.strip())
        page.click("button[type=submit]")
        card = page.locator(f"#ticket-{ticket_id}")
        assert "freeze_card" in card.inner_text() and "C-1005" in card.inner_text()
        card.locator("button[value=approve]").click()
        page.wait_for_selector("#outcome")
        assert page.inner_text("#outcome h1") == "Thread complete", page.inner_text("#outcome")
        assert "escalation.decision" in page.inner_text("#audit-entry")
        page.screenshot(path=str(screenshots / "console_cli_outcome.png"), full_page=True)
    audit = crewline("audit", "list", "--action", "escalation.decision", data_dir=tmp_path)
    assert audit.returncode == 0 and "bob" in audit.stdout, audit.stderr
    assert crewline("audit", "verify", data_dir=tmp_path).returncode == 0


def test_bad_ports_are_one_line_errors(tmp_path: Path) -> None:
    bad = crewline("console", "--port", "99999", data_dir=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "between 1 and 65535" in bad.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = crewline("console", "--port", str(taken.getsockname()[1]), data_dir=tmp_path)
    assert busy.returncode == 2 and "Traceback" not in busy.stderr
    assert busy.stderr.strip().count("\n") == 0 and "is in use" in busy.stderr
