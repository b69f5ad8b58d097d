"""An MCP tool (langchain-mcp-adapters over stdio, a FastMCP server) in a specialist, offline and on the
model path, under ``invoke`` and ``ainvoke``. MCP tools are async only: ``tool.invoke`` refuses them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.tools import BaseTool
from langchain_mcp_adapters.client import MultiServerMCPClient

from crewline.nodes.tool_calls import is_async_only, run_tool
from tests.integration.test_async_tools import MODES, Mode, answer_from_tool, chain, handoff, run, specialist
from tests.support.fake_openai import FakeOpenAI, tool_call
from tests.support.mcp_server import FORECASTS, stdio_connection


@pytest.fixture(scope="module")
def forecast() -> BaseTool:
    """The server's ``forecast`` tool; each call starts the server for its own session."""
    tools = asyncio.run(MultiServerMCPClient({"weather": stdio_connection()}).get_tools())  # type: ignore[dict-item]
    (tool,) = [t for t in tools if t.name == "forecast"]
    assert is_async_only(tool) and tool.response_format == "content_and_artifact"
    return tool


def test_run_tool_reads_mcp_content_blocks_and_errors(forecast: BaseTool) -> None:
    assert run_tool(forecast, {"city": "Lisbon"}) == {
        "summary": FORECASTS["lisbon"],
        "sources": [],
        "confidence": 0.5,  # the tool states none
    }
    assert run_tool(forecast, {"city": "Atlantis"}) == {
        "error": "Error executing tool forecast: No forecast for Atlantis."
    }


@pytest.mark.parametrize("mode", MODES)
def test_mcp_tool_answers_offline(forecast: BaseTool, mode: Mode) -> None:
    result = run(specialist([forecast]), "What's the weather in Oslo tomorrow?", mode)
    assert (result["status"], result["path"], result["tool"]) == ("done", "offline", "forecast")
    assert result["answer"] == FORECASTS["oslo"]


def test_mcp_tool_under_invoke_inside_a_running_loop(forecast: BaseTool) -> None:
    graph = specialist([forecast])

    async def blocking_call() -> Any:
        return graph.invoke(handoff("What's the weather in Lisbon?"))

    state = asyncio.run(blocking_call())
    assert state["results"]["t1.1"]["answer"] == FORECASTS["lisbon"]


@pytest.mark.parametrize("mode", MODES)
def test_mcp_tool_on_the_model_path(forecast: BaseTool, mode: Mode) -> None:
    with FakeOpenAI(answer_from_tool(tool_call("forecast", {"city": "Oslo"}))) as server:
        result = run(specialist([forecast], chain(server)), "Should I take an umbrella in Oslo?", mode)
        (sent,) = [m for m in server.requests[-1]["messages"] if m["role"] == "tool"]
    assert sent["content"] == FORECASTS["oslo"]  # the model reads the tool's own text, not a wrapper
    assert (result["status"], result["path"], result["tool"]) == ("done", "model", "forecast")
    assert "light rain" in result["answer"]


@pytest.mark.parametrize("mode", MODES)
def test_mcp_tool_error_fails_the_subtask(forecast: BaseTool, mode: Mode) -> None:
    with FakeOpenAI(answer_from_tool(tool_call("forecast", {"city": "Atlantis"}))) as server:
        result = run(specialist([forecast], chain(server)), "Weather in Atlantis?", mode)
    assert (result["status"], result["path"]) == ("failed", "model")
    assert result["answer"] == "Error executing tool forecast: No forecast for Atlantis."
