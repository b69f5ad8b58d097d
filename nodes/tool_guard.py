"""The one tool wrapper: what happens around every tool call a specialist makes, whoever decides it.

Before the call: a tool marked ``requires_approval`` does not run; it becomes a pending action the
supervisor escalates to a human. During the call a retrieval tool screens its passages
(:func:`crewline.nodes.tool_screen.screening`). After the call: the output re-enters the crew, so it
is screened passage by passage (:func:`crewline.nodes.tool_screen.screen_tool_output`: the injection
detector and phishing cues; a flagged passage is dropped, a flagged whole is withheld), and personal
data in it is pseudonymised before a model sees it. crewline's own tool loop and any LangGraph
agent given as a specialist (through :func:`guarded_tool_node`, which wraps the agent's
``ToolNode``) go through the same code.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from langgraph.prebuilt import ToolNode
from langgraph.prebuilt.tool_node import ToolCallRequest
from langgraph.types import Command

from crewline.nodes.guards import GuardSettings, default_vault
from crewline.nodes.guards.disclosure import pseudonymise_tool_output
from crewline.nodes.guards.passages import screen_passage
from crewline.nodes.specialist import requires_approval
from crewline.nodes.tool_calls import model_text
from crewline.nodes.tool_screen import screen_tool_output, screening
from crewline.nodes.types import Verdict

__all__ = ["ToolCallLog", "current_log", "guard_tool_message", "guarded_tool_node"]

APPROVAL_NOTE = (
    "This action was not carried out: it needs a colleague's approval, which has been requested. "
    "Do not call it again; tell the user it is waiting for approval."
)


def _structured(message: ToolMessage) -> dict[str, Any] | None:
    """The crewline-shaped result a message carries (its artifact, or its content as JSON), if any."""
    if isinstance(message.artifact, Mapping) and (
        "summary" in message.artifact or "error" in message.artifact
    ):
        return dict(message.artifact)
    text = message.text.strip()
    if text.startswith("{") and ('"summary"' in text or '"withheld"' in text):
        try:
            parsed = json.loads(text)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) and "summary" in parsed else None
    return None


def guard_tool_message(
    message: ToolMessage, subtask_id: str, guards: GuardSettings
) -> tuple[ToolMessage, list[Verdict], dict[str, str]]:
    """A tool's output as the crew may keep it: ``(message, verdicts on what was withheld, sealed
    values)``. A structured result is screened passage by passage; plain text as one passage."""
    payload = _structured(message)
    verdicts: list[Verdict] = []
    if payload is not None:
        if "error" not in payload:
            payload, verdicts = screen_tool_output(payload, subtask_id, guards)
            message = message.model_copy(update={"content": model_text(payload), "artifact": payload})
    elif message.text.strip():
        # tool output re-enters the graph: no request size limit (documents), the passage guard
        verdict = screen_passage(message.text, guards, guard="tool_output_guard")
        if verdict is not None:
            verdict["subtask_id"] = subtask_id
            withheld = f"[tool output withheld by the guard: {verdict['reason']}]"
            update = {"content": withheld, "artifact": {"error": withheld}}
            return message.model_copy(update=update), [verdict], {}
    if guards.pii.on_input == "pass":
        return message, verdicts, {}
    # personal data from a tool reaches the model as placeholders; the user sees the values
    redacted, sealed = pseudonymise_tool_output(message.text, guards, default_vault())
    return message.model_copy(update={"content": redacted}), verdicts, sealed


@dataclass
class ToolCallLog:
    """What the wrapper saw during one subtask: guarded outputs, verdicts, sealed values, and the
    actions held back for approval. One per subtask run, found through :func:`current_log`."""

    subtask_id: str
    guards: GuardSettings
    messages: list[ToolMessage] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    vault: dict[str, str] = field(default_factory=dict)
    held: list[tuple[BaseTool, dict[str, Any]]] = field(default_factory=list)  # tool, arguments

    def hold(self, request: ToolCallRequest) -> ToolMessage:
        call = request.tool_call
        assert request.tool is not None  # only a known tool can need approval
        self.held.append((request.tool, dict(call.get("args") or {})))
        return ToolMessage(APPROVAL_NOTE, tool_call_id=call.get("id") or call["name"], name=call["name"])

    def guarded(self, outcome: ToolMessage | Command[Any]) -> ToolMessage | Command[Any]:
        if not isinstance(outcome, ToolMessage):
            return outcome  # a Command (a handoff inside the agent) carries no tool output to judge
        message, verdicts, sealed = guard_tool_message(outcome, self.subtask_id, self.guards)
        self.messages.append(message)
        self.verdicts += verdicts
        self.vault |= sealed
        return message


_CURRENT: ContextVar[ToolCallLog | None] = ContextVar("crewline_tool_call_log", default=None)


def current_log() -> ContextVar[ToolCallLog | None]:
    """The context variable a specialist sets around an agent run (tasks and threads inherit it)."""
    return _CURRENT


Execute = Callable[[ToolCallRequest], ToolMessage | Command[Any]]
AsyncExecute = Callable[[ToolCallRequest], Awaitable[ToolMessage | Command[Any]]]


def guarded_tool_node(node: ToolNode) -> ToolNode:
    """A copy of ``node`` whose every call goes through the wrapper, around the node's own wrappers
    (an agent's middleware keeps working). Outside a crew (no log set) it behaves like ``node``."""
    inner, ainner = node._wrap_tool_call, node._awrap_tool_call  # read only: composed, not replaced

    def wrap(request: ToolCallRequest, execute: Execute) -> ToolMessage | Command[Any]:
        log = _CURRENT.get()
        if log is not None and request.tool is not None and requires_approval(request.tool):
            return log.hold(request)
        if log is None:
            return inner(request, execute) if inner is not None else execute(request)
        with screening(log.guards):  # a retrieval tool screens its passages
            outcome = inner(request, execute) if inner is not None else execute(request)
        return log.guarded(outcome)

    async def awrap(request: ToolCallRequest, execute: AsyncExecute) -> ToolMessage | Command[Any]:
        log = _CURRENT.get()
        if log is not None and request.tool is not None and requires_approval(request.tool):
            return log.hold(request)
        if log is None:
            return await ainner(request, execute) if ainner is not None else await execute(request)
        with screening(log.guards):
            outcome = await ainner(request, execute) if ainner is not None else await execute(request)
        return log.guarded(outcome)

    return ToolNode(
        list(node.tools_by_name.values()),
        name=node.name or "tools",
        tags=list(node.tags or []),
        handle_tool_errors=node._handle_tool_errors,
        messages_key=node._messages_key,
        wrap_tool_call=wrap,
        awrap_tool_call=awrap,
    )
