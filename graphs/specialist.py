"""A specialist subgraph: entry guard, then the offline tool path or a bounded tool-calling loop.

Each specialist runs with its own state (a typed handoff and private messages); only its result,
verdicts and usage flow back to the supervisor, merged by the supervisor's reducers.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any, Literal, Protocol, cast

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from crewline.graphs.state import SpecialistInput, SpecialistOutput, SpecialistState
from crewline.nodes.guards import GuardSettings, check_input, default_vault, sanitize
from crewline.nodes.guards.disclosure import pseudonymise_tool_output
from crewline.nodes.models.budget import RunScope
from crewline.nodes.models.factory import ModelUnavailable
from crewline.nodes.specialist import SpecialistRuntime
from crewline.nodes.types import SubtaskResult, Usage, Verdict
from crewline.tools.registry import ToolContext

__all__ = ["SpecialistBuilder", "build_specialist", "import_specialist_builder"]


class SpecialistBuilder(Protocol):
    """Builds a specialist's compiled subgraph: input ``SpecialistInput``, output ``SpecialistOutput``.

    A crew spec names one with ``graph: "module:attr"`` for a specialist that is more than a tool
    loop (the knowledge agent, a workflow). The runtime carries the resolved tools and the model.
    """

    def __call__(
        self, *, runtime: SpecialistRuntime, guards: GuardSettings, tool_context: ToolContext
    ) -> CompiledStateGraph[Any, Any, Any, Any]: ...


def import_specialist_builder(path: str) -> SpecialistBuilder:
    """The builder at ``"package.module:attr"``; a clear ``ValueError`` when it is not there."""
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise ValueError(f"specialist graph {path!r} must look like 'package.module:builder'")
    try:
        builder = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"specialist graph {path!r} cannot be imported: {exc}") from None
    if not callable(builder):
        raise ValueError(f"specialist graph {path!r} is not callable")
    return cast(SpecialistBuilder, builder)


def _done(state: SpecialistState) -> bool:
    return state["handoff"]["subtask_id"] in (state.get("results") or {})


def build_specialist(
    runtime: SpecialistRuntime, guards: GuardSettings
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile the subgraph for one specialist (added to the supervisor as a node of that name)."""

    def entry_guard(state: SpecialistState) -> dict[str, Any]:
        handoff = state["handoff"]
        verdict = check_input(
            sanitize(handoff["task"], strip_markup=guards.strip_markup), guards, guard="entry_guard"
        )
        verdict["subtask_id"] = handoff["subtask_id"]
        update: dict[str, Any] = {"verdicts": [verdict]}
        if verdict["action"] != "pass":
            update["results"] = {
                handoff["subtask_id"]: SubtaskResult(
                    subtask_id=handoff["subtask_id"],
                    specialist=runtime.name,
                    status="failed",
                    answer=f"The {runtime.name} specialist declined this request ({verdict['reason']}).",
                    confidence=0.0,
                    sources=[],
                    path="offline",
                    tool=None,
                    pending_action=None,
                )
            }
        return update

    def after_guard(state: SpecialistState) -> Literal["act", "agent", "__end__"]:
        if _done(state):
            return "__end__"
        return "agent" if runtime.model is not None else "act"

    def act(state: SpecialistState) -> dict[str, Any]:
        result = runtime.act_offline(state["handoff"])
        return {"results": {result["subtask_id"]: result}}

    def fall_back(
        state: SpecialistState,
        why: str,
        *,
        guard: str = "model_fallback",
        verdicts: Sequence[Verdict] = (),
        usage: Usage | None = None,
    ) -> dict[str, Any]:
        result = runtime.act_offline(state["handoff"])
        verdict = Verdict(
            guard=guard, score=1.0, reason=why, action="fallback", subtask_id=result["subtask_id"]
        )
        update: dict[str, Any] = {"results": {result["subtask_id"]: result}, "verdicts": [*verdicts, verdict]}
        if usage:
            update["usage"] = usage
        return update

    breaker_key = f"specialist:{runtime.name}"

    def agent(state: SpecialistState, config: RunnableConfig) -> dict[str, Any]:
        assert runtime.model is not None
        handoff = state["handoff"]
        _, breakers = runtime.model.guards()
        steps = state.get("steps", 0)
        if steps >= runtime.max_tool_steps:
            breakers.failure(breaker_key, "tool loop limit")
            return fall_back(state, f"tool loop reached its limit of {runtime.max_tool_steps} model calls")
        if steps == 0 and not breakers.allow(breaker_key):  # open: route around the model path
            return fall_back(
                state,
                f"circuit open for the {runtime.name} specialist: answered offline",
                guard="circuit_breaker",
            )
        scope = RunScope.from_config(
            config,
            turn=handoff["subtask_id"].split(".")[0],
            specialist=runtime.name,
            subtask_id=handoff["subtask_id"],
        )
        history = list(state.get("messages") or [])
        new = [] if history else runtime.first_messages(handoff)
        try:
            reply, _ = runtime.call_model([*history, *new], scope)
        except ModelUnavailable as exc:  # every model failed or a budget ran out: the offline path answers
            if not exc.budget:
                breakers.failure(breaker_key, str(exc))
            return fall_back(
                state,
                f"model unavailable: {str(exc)[:240]}",
                verdicts=scope.verdicts,
                usage=scope.usage,
            )
        except Exception as exc:  # anything unforeseen on the model path: still answer offline
            breakers.failure(breaker_key, f"{type(exc).__name__}: {exc}")
            first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            return fall_back(state, f"model unavailable: {first}", verdicts=scope.verdicts, usage=scope.usage)
        return {
            "messages": [*new, reply],
            "steps": steps + 1,
            "usage": scope.usage,
            "verdicts": scope.verdicts,
        }

    def after_agent(state: SpecialistState) -> Literal["tools", "finish", "__end__"]:
        if _done(state):
            return "__end__"
        messages = state.get("messages") or []
        last = messages[-1] if messages else None
        return "tools" if isinstance(last, AIMessage) and last.tool_calls else "finish"

    # Tool output re-enters the graph: it gets the input guard (no size limit: tools return documents).
    tool_guards = guards.model_copy(update={"max_request_chars": 10_000_000})

    def guard_tool_output(
        message: ToolMessage, subtask_id: str
    ) -> tuple[ToolMessage, Verdict | None, dict[str, str]]:
        text = sanitize(message.text, strip_markup=guards.strip_markup)
        verdict = check_input(
            text, tool_guards, guard="tool_output_guard", on_injection=guards.on_tool_injection
        )
        if verdict["action"] == "pass" or not text:
            if guards.pii.on_input == "pass":
                return message, None, {}
            # personal data from a tool reaches the model as placeholders; the user sees the values
            redacted, sealed = pseudonymise_tool_output(message.text, guards, default_vault())
            return message.model_copy(update={"content": redacted}), None, sealed
        verdict["subtask_id"] = subtask_id
        withheld = f"[tool output withheld by the guard: {verdict['reason']}]"
        return message.model_copy(update={"content": withheld, "artifact": {"error": withheld}}), verdict, {}

    def tools(state: SpecialistState) -> dict[str, Any]:
        last = state["messages"][-1]
        assert isinstance(last, AIMessage)
        raw, pending = runtime.run_tool_calls(state["handoff"], last)
        messages: list[ToolMessage] = []
        verdicts: list[Verdict] = []
        vault: dict[str, str] = {}
        for message in raw:
            guarded, verdict, sealed = guard_tool_output(message, state["handoff"]["subtask_id"])
            messages.append(guarded)
            verdicts += [verdict] if verdict is not None else []
            vault |= sealed
        update: dict[str, Any] = {"messages": messages, "usage": {"tool_calls": len(last.tool_calls)}}
        if vault:
            update["pii_vault"] = vault
        if verdicts:
            update["verdicts"] = verdicts
        if pending is not None:
            update["results"] = {pending["subtask_id"]: pending}
        return update

    def after_tools(state: SpecialistState) -> Literal["agent", "__end__"]:
        return "__end__" if _done(state) else "agent"

    def finish(state: SpecialistState) -> dict[str, Any]:
        result = runtime.model_result(state["handoff"], state.get("messages") or [])
        if runtime.model is not None:
            _, breakers = runtime.model.guards()
            if result["status"] == "done":
                breakers.success(breaker_key)
            else:
                breakers.failure(breaker_key, result["answer"])
        return {"results": {result["subtask_id"]: result}}

    graph = StateGraph(SpecialistState, input_schema=SpecialistInput, output_schema=SpecialistOutput)
    graph.add_node("entry_guard", entry_guard)
    graph.add_node("act", act)
    graph.add_node("agent", agent)
    graph.add_node("tools", tools)
    graph.add_node("finish", finish)
    graph.add_edge(START, "entry_guard")
    graph.add_conditional_edges("entry_guard", after_guard)
    graph.add_edge("act", END)
    graph.add_conditional_edges("agent", after_agent)
    graph.add_conditional_edges("tools", after_tools)
    graph.add_edge("finish", END)
    return graph.compile(name=runtime.name)
