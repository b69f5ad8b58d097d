"""The one tool wrapper: what happens around every tool call a specialist makes, whoever decides it.

Before the call: a tool marked ``requires_approval`` does not run; it becomes a pending action the
supervisor escalates to a human. After the call: the output re-enters the crew, so it gets the input
guard (an instruction hidden in a document is withheld), and personal data in it is pseudonymised
before a model sees it. crewline's own tool loop and any LangGraph agent given as a specialist
(through :func:`guarded_tool_node`, which wraps the agent's ``ToolNode``) go through the same code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from langgraph.prebuilt import ToolNode
from langgraph.prebuilt.tool_node import ToolCallRequest
from langgraph.types import Command

from crewline.nodes.guards import GuardSettings, check_input, default_vault, sanitize
from crewline.nodes.guards.disclosure import pseudonymise_tool_output
from crewline.nodes.specialist import requires_approval
from crewline.nodes.types import Verdict

__all__ = ["ToolCallLog", "current_log", "guard_tool_message", "guarded_tool_node"]

APPROVAL_NOTE = (
    "This action was not carried out: it needs a colleague's approval, which has been requested. "
    "Do not call it again; tell the user it is waiting for approval."
)


def guard_tool_message(
    message: ToolMessage, subtask_id: str, guards: GuardSettings
) -> tuple[ToolMessage, Verdict | None, dict[str, str]]:
    """A tool's output as the crew may keep it: ``(message, verdict if withheld, sealed values)``."""
    # Tool output re-enters the graph: the input guard, without the request size limit (documents).
    tool_guards = guards.model_copy(update={"max_request_chars": 10_000_000})
    text = sanitize(message.text, strip_markup=guards.strip_markup)
    verdict = check_input(text, tool_guards, guard="tool_output_guard", on_injection=guards.on_tool_injection)
    if verdict["action"] == "pass" or not text:
        if guards.pii.on_input == "pass":
            return message, None, {}
        # personal data from a tool reaches the model as placeholders; the user sees the values
        redacted, sealed = pseudonymise_tool_output(message.text, guards, default_vault())
        return message.model_copy(update={"content": redacted}), None, sealed
    verdict["subtask_id"] = subtask_id
    withheld = f"[tool output withheld by the guard: {verdict['reason']}]"
    return message.model_copy(update={"content": withheld, "artifact": {"error": withheld}}), verdict, {}


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
        message, verdict, sealed = guard_tool_message(outcome, self.subtask_id, self.guards)
        self.messages.append(message)
        self.verdicts += [verdict] if verdict is not None else []
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
        outcome = inner(request, execute) if inner is not None else execute(request)
        return log.guarded(outcome) if log is not None else outcome

    async def awrap(request: ToolCallRequest, execute: AsyncExecute) -> ToolMessage | Command[Any]:
        log = _CURRENT.get()
        if log is not None and request.tool is not None and requires_approval(request.tool):
            return log.hold(request)
        outcome = await ainner(request, execute) if ainner is not None else await execute(request)
        return log.guarded(outcome) if log is not None else outcome

    return ToolNode(
        list(node.tools_by_name.values()),
        name=node.name or "tools",
        tags=list(node.tags or []),
        handle_tool_errors=node._handle_tool_errors,
        messages_key=node._messages_key,
        wrap_tool_call=wrap,
        awrap_tool_call=awrap,
    )
