"""A specialist's building blocks: the offline tool path and the bounded tool-calling loop.

Offline, the specialist picks the tool for its task (a router fit on each tool's examples) and fills
its arguments from the task and the handoff's context. With a chat model, the model calls tools in
a loop bounded by ``max_tool_steps``. Either way a tool that needs human approval is never run here:
it becomes a pending action the supervisor escalates. Every result says which path answered.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool
from pydantic import ValidationError

from crewline.nodes.models.budget import RunScope
from crewline.nodes.models.factory import ModelChain, ModelUnavailable
from crewline.nodes.planning.extract import extract_arguments
from crewline.nodes.planning.router import Router
from crewline.nodes.types import (
    AnswerPath,
    Handoff,
    PendingAction,
    Source,
    SubtaskResult,
    SubtaskStatus,
    Usage,
)

__all__ = [
    "SpecialistRuntime",
    "describe_call",
    "requires_approval",
    "run_tool",
    "subtask_result",
    "tool_examples",
]

log = logging.getLogger(__name__)


def tool_examples(tools: Sequence[BaseTool]) -> list[str]:
    """The example utterances the tools declare (``tool.metadata["examples"]``)."""
    return [str(example) for tool in tools for example in (tool.metadata or {}).get("examples", [])]


def requires_approval(tool: BaseTool) -> bool:
    return bool((tool.metadata or {}).get("requires_approval"))


def describe_call(tool: str, args: Mapping[str, Any]) -> str:
    shown = ", ".join(f"{k}={v!r}" for k, v in args.items() if k not in ("reason", "description", "query"))
    return f"{tool}({shown})"


def run_tool(tool: BaseTool, args: Mapping[str, Any]) -> dict[str, Any]:
    """Invoke a tool; a tool failure or invalid arguments come back as ``{"error": message}``."""
    try:
        output = tool.invoke(dict(args))
    except ValidationError as exc:  # the useful text is the field's message, not pydantic's headline
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        return {"error": f"{field}: {first['msg']}" if field else first["msg"]}
    except Exception as exc:  # tools raise ToolFailure with a user-facing one-line message
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return {"error": message}
    if isinstance(output, dict):
        return output
    return {"summary": str(output), "sources": [], "confidence": 0.5}


def _sources(output: Mapping[str, Any]) -> list[Source]:
    return [
        Source(**{str(k): str(v) for k, v in s.items() if k in ("id", "title", "snippet")})  # type: ignore[typeddict-item]
        for s in output.get("sources") or []
        if isinstance(s, Mapping)
    ]


def _confidence(output: Mapping[str, Any]) -> float:
    """A tool's confidence; an abstention (``"answered": False``) is no answer at all, so 0."""
    return 0.0 if output.get("answered") is False else float(output.get("confidence", 1.0))


def subtask_result(
    handoff: Handoff,
    *,
    status: SubtaskStatus,
    answer: str,
    confidence: float,
    path: AnswerPath,
    sources: list[Source] | None = None,
    tool: str | None = None,
    pending: PendingAction | None = None,
) -> SubtaskResult:
    """A specialist's result for the subtask in ``handoff``: the one way results are made."""
    return SubtaskResult(
        subtask_id=handoff["subtask_id"],
        specialist=handoff["specialist"],
        status=status,
        answer=answer,
        confidence=round(confidence, 4),
        sources=sources or [],
        path=path,
        tool=tool,
        pending_action=pending,
    )


@dataclass
class SpecialistRuntime:
    name: str
    description: str
    tools: Sequence[BaseTool]
    system_prompt: str = ""
    model: ModelChain | None = None
    max_tool_steps: int = 4
    _tool_router: Router | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.tools) > 1:
            examples = {t.name: [t.description, *tool_examples([t])] for t in self.tools}
            self._tool_router = Router().fit(examples)

    @property
    def tools_by_name(self) -> dict[str, BaseTool]:
        return {tool.name: tool for tool in self.tools}

    def choose_tool(self, task: str) -> BaseTool | None:
        if not self.tools:
            return None
        if self._tool_router is None:
            return self.tools[0]
        return self.tools_by_name[self._tool_router.route(task).ranking[0][0]]

    def pending(
        self, handoff: Handoff, tool: BaseTool, args: Mapping[str, Any], path: AnswerPath
    ) -> SubtaskResult:
        action = PendingAction(
            subtask_id=handoff["subtask_id"],
            specialist=self.name,
            tool=tool.name,
            args=dict(args),
            description=describe_call(tool.name, args),
        )
        answer = f"I have prepared {action['description']}; it needs a colleague's approval before it runs."
        return subtask_result(
            handoff,
            status="needs_approval",
            answer=answer,
            confidence=1.0,
            path=path,
            tool=tool.name,
            pending=action,
        )

    # -- offline path -------------------------------------------------------------------------
    def act_offline(self, handoff: Handoff) -> SubtaskResult:
        tool = self.choose_tool(handoff["task"])
        if tool is None:
            return subtask_result(
                handoff,
                status="failed",
                answer=f"The {self.name} specialist has no tools.",
                confidence=0.0,
                path="offline",
            )
        extraction = extract_arguments(tool, handoff["task"], handoff["context"])
        if extraction.missing:
            needed = " and ".join(name.replace("_", " ") for name in extraction.missing)
            return subtask_result(
                handoff,
                status="needs_input",
                answer=f"To help with that I need your {needed}.",
                confidence=0.6,
                path="offline",
                tool=tool.name,
            )
        if requires_approval(tool):
            return self.pending(handoff, tool, extraction.args, "offline")
        output = run_tool(tool, extraction.args)
        if "error" in output:
            return subtask_result(
                handoff,
                status="failed",
                answer=output["error"],
                confidence=0.9,
                path="offline",
                tool=tool.name,
            )
        return subtask_result(
            handoff,
            status="failed" if output.get("answered") is False else "done",
            answer=str(output.get("summary", "")),
            confidence=_confidence(output),
            path="offline",
            sources=_sources(output),
            tool=tool.name,
        )

    # -- model path ---------------------------------------------------------------------------
    def first_messages(self, handoff: Handoff) -> list[AnyMessage]:
        context = "\n".join(f"- {k}: {v}" for k, v in handoff["context"].items()) or "- none"
        constraints = "\n".join(f"- {c}" for c in handoff["constraints"]) or "- none"
        system = (self.system_prompt or f"You are the {self.name} specialist: {self.description}") + (
            "\nUse the tools to answer; answer briefly and only from tool results."
        )
        task = f"Task: {handoff['task']}\nKnown context:\n{context}\nConstraints:\n{constraints}"
        return [SystemMessage(system), HumanMessage(task)]

    def call_model(
        self, messages: Sequence[AnyMessage], scope: RunScope | None = None
    ) -> tuple[AIMessage, Usage]:
        """One model turn through the chain (budgets, breakers, retries, re-ask, fallback models).

        Raises ``ModelUnavailable`` when no model gave a usable reply; the verdicts and usage of
        every attempt are in ``scope`` (a fresh one when none is given).
        """
        if self.model is None:
            raise ModelUnavailable("no chat model configured")
        scope = scope if scope is not None else RunScope.anonymous(self.name)
        before = Usage(**scope.usage)
        reply = self.model.call_tools(list(self.tools), list(messages), scope)
        usage = Usage(
            model_calls=scope.usage.get("model_calls", 0) - before.get("model_calls", 0),
            prompt_tokens=scope.usage.get("prompt_tokens", 0) - before.get("prompt_tokens", 0),
            completion_tokens=scope.usage.get("completion_tokens", 0) - before.get("completion_tokens", 0),
        )
        return reply, usage

    def run_tool_calls(
        self, handoff: Handoff, reply: AIMessage
    ) -> tuple[list[ToolMessage], SubtaskResult | None]:
        """Run the model's tool calls; an approval-gated call ends the loop as a pending action."""
        messages: list[ToolMessage] = []
        for call in reply.tool_calls:
            tool = self.tools_by_name.get(call["name"])
            call_id = call.get("id") or call["name"]
            if tool is None:
                output: dict[str, Any] = {
                    "error": f"unknown tool {call['name']!r}; use one of {sorted(self.tools_by_name)}"
                }
            elif requires_approval(tool):
                return messages, self.pending(handoff, tool, call["args"], "model")
            else:
                output = run_tool(tool, call["args"])
            messages.append(
                ToolMessage(
                    json.dumps(output, default=str), tool_call_id=call_id, name=call["name"], artifact=output
                )
            )
        return messages, None

    def model_result(self, handoff: Handoff, messages: Sequence[AnyMessage]) -> SubtaskResult:
        outputs = [
            m.artifact for m in messages if isinstance(m, ToolMessage) and isinstance(m.artifact, dict)
        ]
        good = [o for o in outputs if "error" not in o]
        last = messages[-1] if messages else None
        answer = last.text if isinstance(last, AIMessage) else ""
        if not answer.strip():
            return subtask_result(
                handoff, status="failed", answer="The model gave no answer.", confidence=0.0, path="model"
            )
        sources = [s for o in good for s in _sources(o)]
        confidence = min((_confidence(o) for o in good), default=0.5)
        tool = next((m.name for m in reversed(messages) if isinstance(m, ToolMessage)), None)
        return subtask_result(
            handoff,
            status="done",
            answer=answer.strip(),
            confidence=confidence,
            path="model",
            sources=sources,
            tool=tool,
        )
