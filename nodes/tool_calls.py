"""Invoking a tool from sync or async code, whatever the tool implements, and reading its output.

Every place crewline runs a tool goes through here: the offline path, the model's tool calls and
approved actions (``apply_decision``). Both ways work for every tool:

- under ``ainvoke`` a tool is awaited; a sync-only tool runs in a worker thread (LangChain's
  ``BaseTool.ainvoke`` does that), an async tool (MCP) natively on the caller's loop;
- under ``invoke`` a sync tool runs in the calling thread, an async-only tool (a ``StructuredTool``
  with a coroutine and no function, as every MCP tool) runs to completion on crewline's private loop
  (:func:`crewline.nodes.sync_async.run_coroutine`).

A tool's output becomes crewline's result dict: ``{"summary", "sources", "confidence", ...}`` as a
crewline tool returns it, or ``{"error": one line}`` when the tool failed, however it said so (an
exception, a ``ToolMessage`` with ``status="error"`` such as an MCP ``isError`` result).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import ToolCall, ToolMessage
from langchain_core.tools import BaseTool, StructuredTool, Tool
from langgraph.errors import GraphBubbleUp
from pydantic import ValidationError

from crewline.nodes.sync_async import Step, Steps, adrive, drive, run_coroutine

__all__ = [
    "ainvoke_tool",
    "arun_tool",
    "invoke_tool",
    "is_async_only",
    "model_text",
    "run_tool",
    "run_tool_step",
    "run_tools_step",
    "tool_error",
    "tool_output",
]

# what a tool gives without a structure of its own (a plain string, an MCP text) is an answer, but one
# whose certainty the tool did not state: enough for the confidence gate, less than a checked fact
UNSTATED_CONFIDENCE = 0.5


def is_async_only(tool: BaseTool) -> bool:
    """A tool with a coroutine and no sync function (MCP tools): ``tool.invoke`` would refuse it."""
    return isinstance(tool, StructuredTool | Tool) and tool.func is None and tool.coroutine is not None


def _tool_input(tool: BaseTool, args: Mapping[str, Any], call_id: str | None) -> dict[str, Any] | ToolCall:
    """What to invoke ``tool`` with. A tool that shapes its own reply (``content_and_artifact``, or
    errors it handles itself, as MCP tools do) gets a tool call, so its ``ToolMessage`` tells a
    failure (``status``) and carries the artifact; any other tool gets its arguments, so a dict it
    returns stays a dict (a tool call would turn it into JSON text)."""
    shapes_reply = tool.response_format == "content_and_artifact"
    if shapes_reply or tool.handle_tool_error or tool.handle_validation_error:
        return ToolCall(
            name=tool.name, args=dict(args), id=call_id or f"call_{uuid.uuid4().hex}", type="tool_call"
        )
    return dict(args)


def invoke_tool(tool: BaseTool, args: Mapping[str, Any], *, call_id: str | None = None) -> Any:
    """The tool's raw output, from sync code (an async-only tool runs to completion on a private loop)."""
    value = _tool_input(tool, args, call_id)
    if is_async_only(tool):
        return run_coroutine(lambda: tool.ainvoke(value))
    return tool.invoke(value)


async def ainvoke_tool(tool: BaseTool, args: Mapping[str, Any], *, call_id: str | None = None) -> Any:
    """The tool's raw output, awaited (a sync-only tool runs in a worker thread)."""
    return await tool.ainvoke(_tool_input(tool, args, call_id))


def _first_line(text: str, fallback: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0] if stripped else fallback


def _content_text(content: Any) -> str:
    """The text of message content: a string, or the text blocks of a list (an MCP result), with a
    note for blocks that carry no text (an image), so an answer never silently goes empty."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return str(content)
    texts = [b if isinstance(b, str) else str(b.get("text", "")) for b in content if _is_text(b)]
    others = [str(b.get("type", "content")) for b in content if isinstance(b, dict) and not _is_text(b)]
    note = f"[{len(others)} {' and '.join(sorted(set(others)))} block(s) without text]" if others else ""
    return "\n".join(part for part in [*texts, note] if part)


def _is_text(block: Any) -> bool:
    return isinstance(block, str) or (isinstance(block, dict) and block.get("type") == "text")


def tool_output(output: Any) -> dict[str, Any]:
    """A tool's raw output as crewline's result dict (see the module docstring)."""
    if isinstance(output, ToolMessage):
        text = _content_text(output.content)
        if output.status == "error":
            return {"error": _first_line(text, f"the {output.name or 'tool'} tool failed")}
        if isinstance(output.artifact, Mapping) and "summary" in output.artifact:
            return dict(output.artifact)  # a crewline-shaped artifact: text for the model, data for us
        output = text
    if isinstance(output, dict):
        return output
    text = output if isinstance(output, str) else _content_text(output)
    return {"summary": text, "sources": [], "confidence": UNSTATED_CONFIDENCE}


def model_text(output: Mapping[str, Any]) -> str:
    """What a model reads of a tool's result: a text tool's own words (not its text wrapped in
    crewline's result shape, which a model would quote back), else the result as JSON."""
    if set(output) <= {"summary", "sources", "confidence"} and not output.get("sources"):
        return str(output.get("summary", ""))
    return json.dumps(output, default=str)


def tool_error(exc: Exception) -> dict[str, Any]:
    """A tool failure as ``{"error": one line}``: the tool's own message (tools raise ``ToolFailure``
    with a user-facing one), or for invalid arguments the field's message, not pydantic's headline."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        return {"error": f"{field}: {first['msg']}" if field else first["msg"]}
    return {"error": _first_line(str(exc), type(exc).__name__)}


def run_tool_step(
    tool: BaseTool, args: Mapping[str, Any], *, call_id: str | None = None
) -> Steps[dict[str, Any]]:
    """Run ``tool`` as one step; its failure comes back as ``{"error": ...}``, never raised.

    A LangGraph interrupt or ``Command`` raised inside a tool is not a failure: it goes on up.
    """
    try:
        output = yield Step(
            lambda: invoke_tool(tool, args, call_id=call_id),
            lambda: ainvoke_tool(tool, args, call_id=call_id),
        )
    except GraphBubbleUp:
        raise
    except Exception as exc:
        return tool_error(exc)
    return tool_output(output)


def run_tool(tool: BaseTool, args: Mapping[str, Any], *, call_id: str | None = None) -> dict[str, Any]:
    """Run ``tool`` from sync code: its result dict, or ``{"error": ...}`` (what ``apply_decision``
    calls for an approved action)."""
    return drive(run_tool_step(tool, args, call_id=call_id))


async def arun_tool(tool: BaseTool, args: Mapping[str, Any], *, call_id: str | None = None) -> dict[str, Any]:
    """:func:`run_tool`, awaited: the twin for async nodes."""
    return await adrive(run_tool_step(tool, args, call_id=call_id))


def run_tools_step(
    calls: Sequence[tuple[BaseTool, Mapping[str, Any], str | None]],
) -> Step[list[dict[str, Any]]]:
    """Run several tool calls as one step, results in call order: one after another under
    ``invoke`` (as before), concurrently under ``ainvoke`` (as LangGraph's ``ToolNode`` does)."""

    async def together() -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(arun_tool(t, a, call_id=i) for t, a, i in calls)))

    return Step(lambda: [run_tool(t, a, call_id=i) for t, a, i in calls], together)
