"""A specialist's building blocks: the offline tool path and the bounded tool-calling loop.

Offline, the specialist picks the tool for its task (a router fit on each tool's examples) and fills its
arguments from the task and the handoff's context. Its output is evidence, screened passage by passage
before it becomes the answer (:mod:`crewline.nodes.tool_screen`), as on the model path. With a chat
model, the model calls tools in a loop bounded by ``max_tool_steps``. Either way a tool that needs human
approval is never run here: it becomes a pending action the supervisor escalates. Every result says
which path answered.

What waits on the outside world (a tool, the model) is written once, as a generator of steps
(:mod:`crewline.nodes.sync_async`): the graph composes them with ``yield from``; ``act_offline`` /
``aact_offline`` (and the other pairs) drive them from sync or async code.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolCall, ToolMessage
from langchain_core.tools import BaseTool

from crewline.nodes.guards.settings import GuardSettings
from crewline.nodes.models.budget import RunScope
from crewline.nodes.models.factory import ModelChain, ModelUnavailable
from crewline.nodes.planning.extract import extract_arguments
from crewline.nodes.planning.router import Router
from crewline.nodes.planning.router_cache import fit_router
from crewline.nodes.proposals import describe_call, gated_calls, propose, requires_approval
from crewline.nodes.sync_async import Steps, adrive, drive
from crewline.nodes.tool_calls import model_text, run_tool, run_tool_step, run_tools_step
from crewline.nodes.tool_screen import screen_tool_output, screening
from crewline.nodes.types import (
    AnswerPath,
    Handoff,
    PendingAction,
    Source,
    SubtaskResult,
    SubtaskStatus,
    Usage,
    Verdict,
)

__all__ = [
    "LOCAL_TOOL_CONFIDENCE",
    "SpecialistRuntime",
    "describe_call",
    "offline_result",
    "requires_approval",
    "run_tool",  # re-exported: crewline.nodes.tool_calls is its home
    "subtask_result",
    "tool_examples",
]

log = logging.getLogger(__name__)

# A tool's own error message is a reliable answer (the request cannot be done as asked): a failed
# subtask with it is not a low-confidence guess.
TOOL_ERROR_CONFIDENCE = 0.9
# the local tool router's probability from which the model path runs the tool without a model decision
LOCAL_TOOL_CONFIDENCE = 0.6


def tool_examples(tools: Sequence[BaseTool]) -> list[str]:
    """The example utterances the tools declare (``tool.metadata["examples"]``)."""
    return [str(example) for tool in tools for example in (tool.metadata or {}).get("examples", [])]


def _sources(output: Mapping[str, Any]) -> list[Source]:
    return [
        Source(**{str(k): str(v) for k, v in s.items() if k in ("id", "title", "snippet")})  # type: ignore[typeddict-item]
        for s in output.get("sources") or []
        if isinstance(s, Mapping)
    ]


def _confidence(output: Mapping[str, Any]) -> float:
    """A tool's confidence; an abstention (``"answered": False``) is no answer at all, so 0."""
    return 0.0 if output.get("answered") is False else float(output.get("confidence", 1.0))


def offline_result(handoff: Handoff, tool: str, output: Mapping[str, Any]) -> SubtaskResult:
    """The offline path's answer from one tool's (screened) output: its summary, sources and
    confidence, or its error."""
    if "error" in output:
        return subtask_result(
            handoff,
            status="failed",
            answer=str(output["error"]),
            confidence=TOOL_ERROR_CONFIDENCE,
            path="offline",
            tool=tool,
        )
    return subtask_result(
        handoff,
        status="failed" if output.get("answered") is False else "done",
        answer=str(output.get("summary", "")),
        confidence=_confidence(output),
        path="offline",
        sources=_sources(output),
        tool=tool,
    )


def subtask_result(
    handoff: Handoff,
    *,
    status: SubtaskStatus,
    answer: str,
    confidence: float,
    path: AnswerPath,
    sources: list[Source] | None = None,
    tool: str | None = None,
    pending: Sequence[PendingAction] = (),
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
        pending_action=pending[0] if pending else None,
        pending_actions=list(pending),
    )


@dataclass
class SpecialistRuntime:
    name: str
    description: str
    tools: Sequence[BaseTool]
    system_prompt: str = ""
    model: ModelChain | None = None
    max_tool_steps: int = 4
    local_tool_calls: bool = True  # see ModelSettings.local_tool_calls
    _tool_router: Router | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.tools) > 1:
            examples = {t.name: [t.description, *tool_examples([t])] for t in self.tools}
            self._tool_router = fit_router(examples)  # from the router cache when fit before

    @property
    def tools_by_name(self) -> dict[str, BaseTool]:
        return {tool.name: tool for tool in self.tools}

    def choose_tool(self, task: str) -> BaseTool | None:
        if not self.tools:
            return None
        if self._tool_router is None:
            return self.tools[0]
        return self.tools_by_name[self._tool_router.route(task).ranking[0][0]]

    def confident_call(self, handoff: Handoff) -> tuple[BaseTool, dict[str, Any]] | None:
        """The tool call the offline path would make, when it is sure of it: the tool the local
        router picks with probability at least :data:`LOCAL_TOOL_CONFIDENCE` (or the only one),
        every argument filled from the task and context, and no human approval needed. The model
        path then runs it without asking a model to choose, and asks the model once, to answer."""
        if not self.tools or not self.local_tool_calls:
            return None
        tool = self.tools[0]
        if self._tool_router is not None:
            scores = self._tool_router.route(handoff["task"])
            if scores.route is None or scores.confidence < LOCAL_TOOL_CONFIDENCE:
                return None
            tool = self.tools_by_name[scores.route]
        if requires_approval(tool):
            return None  # the model proposes the action a human then approves
        extraction = extract_arguments(tool, handoff["task"], handoff["context"])
        return None if extraction.missing else (tool, dict(extraction.args))

    def pending(
        self, handoff: Handoff, tool: BaseTool, args: Mapping[str, Any], path: AnswerPath
    ) -> SubtaskResult:
        """The result that waits for a human to approve calling ``tool`` with ``args``."""
        return self.pending_calls(handoff, [(tool, dict(args))], path)

    def pending_calls(
        self, handoff: Handoff, calls: Sequence[tuple[BaseTool, dict[str, Any]]], path: AnswerPath
    ) -> SubtaskResult:
        """The result that waits for approval of every call in ``calls``, in order (see
        :mod:`crewline.nodes.proposals`)."""
        return propose(handoff, self.name, calls, path, subtask_result)

    def gated_calls(self, handoff: Handoff) -> list[tuple[BaseTool, dict[str, Any]]]:
        """The approval-gated calls the task asks for when it asks for several, else ``[]``."""
        if self._tool_router is None:
            return []
        return gated_calls(handoff, self.tools_by_name, self._tool_router.route)

    # -- offline path -------------------------------------------------------------------------
    def offline(self, handoff: Handoff, guards: GuardSettings | None = None) -> Steps[SubtaskResult]:
        """The offline answer: pick the tool, fill its arguments, run it (one step), screen its output."""
        result, _ = yield from self.screened_offline(handoff, guards)
        return result

    def screened_offline(
        self, handoff: Handoff, guards: GuardSettings | None = None
    ) -> Steps[tuple[SubtaskResult, list[Verdict]]]:
        """:meth:`offline` with the verdicts on what the passage guard withheld (``guards``: the
        crew's; the defaults when none are given, so no caller runs unscreened)."""
        guards = guards or GuardSettings()
        several = self.gated_calls(handoff)  # "freeze the card and report fraud": both, for approval
        if several:
            return self.pending_calls(handoff, several, "offline"), []
        tool = self.choose_tool(handoff["task"])
        if tool is None:
            return subtask_result(
                handoff,
                status="failed",
                answer=f"The {self.name} specialist has no tools.",
                confidence=0.0,
                path="offline",
            ), []
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
            ), []
        if requires_approval(tool):
            return self.pending(handoff, tool, extraction.args, "offline"), []
        with screening(guards):  # a retrieval tool drops flagged passages before it answers
            raw = yield from run_tool_step(tool, extraction.args)
        output, verdicts = screen_tool_output(raw, handoff["subtask_id"], guards)
        return offline_result(handoff, tool.name, output), verdicts

    def act_offline(self, handoff: Handoff, guards: GuardSettings | None = None) -> SubtaskResult:
        return drive(self.offline(handoff, guards))

    async def aact_offline(self, handoff: Handoff, guards: GuardSettings | None = None) -> SubtaskResult:
        return await adrive(self.offline(handoff, guards))

    # -- model path ---------------------------------------------------------------------------
    def first_messages(self, handoff: Handoff) -> list[AnyMessage]:
        context = "\n".join(f"- {k}: {v}" for k, v in handoff["context"].items()) or "- none"
        constraints = "\n".join(f"- {c}" for c in handoff["constraints"]) or "- none"
        system = (self.system_prompt or f"You are the {self.name} specialist: {self.description}") + (
            "\nUse the tools to answer; answer briefly and only from tool results."
        )
        task = f"Task: {handoff['task']}\nKnown context:\n{context}\nConstraints:\n{constraints}"
        return [SystemMessage(system), HumanMessage(task)]

    def model_turn(
        self, messages: Sequence[AnyMessage], scope: RunScope | None = None
    ) -> Steps[tuple[AIMessage, Usage]]:
        """One model turn through the chain (budgets, breakers, retries, re-ask, fallback models).

        Raises ``ModelUnavailable`` when no model gave a usable reply; the verdicts and usage of
        every attempt are in ``scope`` (a fresh one when none is given).
        """
        model = self.model
        if model is None:
            raise ModelUnavailable("no chat model configured")
        run = scope if scope is not None else RunScope.anonymous(self.name)
        before = Usage(**run.usage)
        # the chain's own steps, composed: its bookkeeping runs in this generator's segments
        reply = yield from model.tool_steps(self.tools, list(messages), run)
        usage = Usage(
            model_calls=run.usage.get("model_calls", 0) - before.get("model_calls", 0),
            prompt_tokens=run.usage.get("prompt_tokens", 0) - before.get("prompt_tokens", 0),
            completion_tokens=run.usage.get("completion_tokens", 0) - before.get("completion_tokens", 0),
        )
        return reply, usage

    def call_model(
        self, messages: Sequence[AnyMessage], scope: RunScope | None = None
    ) -> tuple[AIMessage, Usage]:
        return drive(self.model_turn(messages, scope))

    async def acall_model(
        self, messages: Sequence[AnyMessage], scope: RunScope | None = None
    ) -> tuple[AIMessage, Usage]:
        return await adrive(self.model_turn(messages, scope))

    def tool_calls(
        self, handoff: Handoff, reply: AIMessage, guards: GuardSettings | None = None
    ) -> Steps[tuple[list[ToolMessage], SubtaskResult | None]]:
        """Run the model's tool calls (one step); the approval-gated calls of the reply end the loop
        as pending actions (all of them, in order), and the other calls after the first do not run.
        A retrieval tool screens its passages under ``guards``; the caller screens the messages
        (:func:`crewline.nodes.tool_guard.guard_tool_message`)."""
        by_name = self.tools_by_name
        planned: list[tuple[ToolCall, BaseTool | None]] = []
        gated: list[tuple[BaseTool, dict[str, Any]]] = []
        for call in reply.tool_calls:
            tool = by_name.get(call["name"])
            if tool is not None and requires_approval(tool):
                gated.append((tool, dict(call["args"])))
            elif not gated:
                planned.append((call, tool))
        pending = self.pending_calls(handoff, gated, "model") if gated else None
        runs = [(tool, call["args"], call.get("id")) for call, tool in planned if tool is not None]
        with screening(guards or GuardSettings()):
            if len(runs) == 1:  # the usual single call: its step joins ours (no driver of its own)
                tool, args, call_id = runs[0]
                outputs = iter([(yield from run_tool_step(tool, args, call_id=call_id))])
            else:  # several: at once under ainvoke, in order under invoke
                outputs = iter((yield run_tools_step(runs)) if runs else [])
        messages: list[ToolMessage] = []
        for call, tool in planned:
            output = (
                next(outputs)
                if tool is not None
                else {"error": f"unknown tool {call['name']!r}; use one of {sorted(by_name)}"}
            )
            messages.append(
                ToolMessage(
                    model_text(output),
                    tool_call_id=call.get("id") or call["name"],
                    name=call["name"],
                    artifact=output,
                )
            )
        return messages, pending

    def run_tool_calls(
        self, handoff: Handoff, reply: AIMessage, guards: GuardSettings | None = None
    ) -> tuple[list[ToolMessage], SubtaskResult | None]:
        return drive(self.tool_calls(handoff, reply, guards))

    async def arun_tool_calls(
        self, handoff: Handoff, reply: AIMessage, guards: GuardSettings | None = None
    ) -> tuple[list[ToolMessage], SubtaskResult | None]:
        return await adrive(self.tool_calls(handoff, reply, guards))

    def model_result(self, handoff: Handoff, messages: Sequence[AnyMessage]) -> SubtaskResult:
        """The subtask's result from the loop's messages. Every tool call failed: the subtask failed
        with the last error, whatever the model said after it (it has nothing to answer from); some
        failed and some did not: the model's answer from the good ones stands."""
        outputs = [
            m.artifact for m in messages if isinstance(m, ToolMessage) and isinstance(m.artifact, dict)
        ]
        good = [o for o in outputs if "error" not in o]
        tool = next((m.name for m in reversed(messages) if isinstance(m, ToolMessage)), None)
        if outputs and not good:
            return subtask_result(
                handoff,
                status="failed",
                answer=str(outputs[-1]["error"]),
                confidence=TOOL_ERROR_CONFIDENCE,
                path="model",
                tool=tool,
            )
        last = messages[-1] if messages else None
        answer = last.text if isinstance(last, AIMessage) else ""
        if not answer.strip():
            return subtask_result(
                handoff, status="failed", answer="The model gave no answer.", confidence=0.0, path="model"
            )
        sources = [s for o in good for s in _sources(o)]
        confidence = min((_confidence(o) for o in good), default=0.5)
        return subtask_result(
            handoff,
            status="done",
            answer=answer.strip(),
            confidence=confidence,
            path="model",
            sources=sources,
            tool=tool,
        )
