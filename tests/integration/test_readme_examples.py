"""The README's own examples, as a user copies them: every code block that starts with ``# file: PATH``
is written to that path in a fresh folder and run the way the README says.

- ``weather/``: a crew from Python objects over a plain function, offline; and the same crew as a
  YAML spec beside its tool module, run with the ``crewline`` command from another folder.
- ``shop/``: a ``create_agent`` specialist and an MCP tool (a stdio FastMCP server) in one crew,
  against the loopback chat-completions server standing in for OpenAI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_openai import (
    JSON,
    FakeOpenAI,
    Reply,
    has_tool_result,
    offered_tools,
    structured,
    text,
)
from tests.support.fake_openai import tool_call as fake_tool_call

README = Path(__file__).parents[2] / "README.md"
BLOCK = re.compile(r"```(?:python|yaml)\n# file: (\S+)\n(.*?)```", re.DOTALL)


def _write_examples(root: Path) -> list[str]:
    written = []
    for path, body in BLOCK.findall(README.read_text(encoding="utf-8")):
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
        written.append(path)
    return written


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CREWLINE_MODEL"))}
    env.pop("PYTHONPATH", None)  # as a user runs it: crewline comes from the installation
    return env | {"CREWLINE_DATA_DIR": str(data_dir), **extra}


def _crewline_command() -> list[str]:
    """The console script the README uses (beside this interpreter), else its entry point: never
    ``python -m``, which would put the working directory on the path and hide a resolution bug."""
    script = Path(sys.executable).with_name("crewline")
    if script.exists():
        return [str(script)]
    found = shutil.which("crewline")
    if found:
        return [found]
    return [sys.executable, "-I", "-c", "import sys; from crewline.cli import main; sys.exit(main())"]


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    written = _write_examples(root)
    expected = {"weather/weather_tools.py", "weather/app.py", "weather/crew.yaml", "shop/app.py"}
    assert expected <= set(written), written
    return root


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False)


def test_the_weather_crew_from_python_objects_runs_offline(examples: Path, tmp_path: Path) -> None:
    done = _run([sys.executable, "weather/app.py"], examples, _env(tmp_path / "data"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "Sunny in Oslo, 21°C."


def test_the_weather_spec_runs_with_the_crewline_command_from_another_folder(
    examples: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    spec = examples / "weather" / "crew.yaml"
    command = [*_crewline_command(), "run", "--json", "--crew", str(spec), "What's the weather in Oslo?"]
    done = _run(command, elsewhere, _env(tmp_path / "data"))
    assert done.returncode == 0, done.stderr[-2000:]
    payload: dict[str, Any] = json.loads(done.stdout)
    assert payload["answer"] == "Sunny in Oslo, 21°C." and payload["escalation"] is None


def _shop_model(body: JSON) -> Reply:
    """What a capable model would do with the shop crew: call the offered tool, then restate it."""
    tools = offered_tools(body)
    if "GroundednessReport" in tools:
        return structured({"sentences": [{"sentence": 1, "supported": True, "source": 1}]})
    if "RouteChoice" in tools:
        return structured({"specialist": None, "confidence": 0.0})
    if has_tool_result(body):
        last = body["messages"][-1]
        return text(str(last.get("content", "")))
    if "order_status" in tools:
        return fake_tool_call("order_status", {"order_id": "O-77"})
    if "forecast" in tools:
        return fake_tool_call("forecast", {"city": "Oslo"})
    return text("I can only help with weather and orders.")


def test_the_shop_crew_with_an_agent_and_an_mcp_tool_runs(examples: Path, tmp_path: Path) -> None:
    with FakeOpenAI(_shop_model) as model:
        env = _env(tmp_path / "data", OPENAI_BASE_URL=model.base_url, OPENAI_API_KEY="test-key")
        done = _run([sys.executable, "shop/app.py"], examples, env)
        asked = [offered_tools(request) for request in model.requests]
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Sunny in Oslo, 21°C." in done.stdout and "Order O-77 shipped yesterday." in done.stdout
    assert ["order_status"] in asked  # the create_agent specialist's own model call, through the crew
