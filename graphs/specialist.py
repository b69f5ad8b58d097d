"""A specialist subgraph: entry guard, then the offline tool path or a bounded tool-calling loop.

Each specialist runs with its own state (a typed handoff and private messages); only its result,
verdicts and usage flow back to the supervisor, merged by the supervisor's reducers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Protocol, cast

from langchain_core.messages import AIMessage, AnyMessage, ToolCall, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from crewline.errors import ConfigurationError
from crewline.graphs.sealing import sealing
from crewline.graphs.state import SpecialistInput, SpecialistOutput, SpecialistState, merge_usage
from crewline.nodes.guards import GuardSettings, check_input, sanitize
from crewline.nodes.models.breaker import CircuitBreakers
from crewline.nodes.models.budget import RunScope
from crewline.nodes.models.factory import ModelUnavailable
from crewline.nodes.specialist import SpecialistRuntime, offline_result, subtask_result
from crewline.nodes.sync_async import Steps, blocking, branch, node
from crewline.nodes.tool_guard import guard_tool_message
from crewline.nodes.types import Handoff, SubtaskResult, Usage, Verdict
from crewline.tools.registry import ToolContext

__all__ = ["SpecialistBuilder", "build_specialist", "entry_guard", "import_specialist_builder"]


class SpecialistBuilder(Protocol):
    """Builds a specialist's compiled subgraph: input ``SpecialistInput``, output ``SpecialistOutput``.

    A crew spec names one with ``graph: "module:attr"`` for a specialist that is more than a tool
    loop (the knowledge agent, a workflow). The runtime carries the resolved tools and the model.
    """

    def __call__(
        self, *, runtime: SpecialistRuntime, guards: GuardSettings, tool_context: ToolContext
    ) -> CompiledStateGraph[Any, Any, Any, Any]: ...


def import_specialist_builder(path: str) -> SpecialistBuilder:
    """The builder at ``"package.module:attr"``; a ``ConfigurationError`` when it is not there."""
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise ConfigurationError(f"specialist graph {path!r} must look like 'package.module:builder'")
    try:
        builder = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"specialist graph {path!r} cannot be imported: {exc}") from None
    if not callable(builder):
        raise ConfigurationError(f"specialist graph {path!r} is not callable")
    return cast(SpecialistBuilder, builder)


def _done(state: SpecialistState) -> bool:
    return state["handoff"]["subtask_id"] in (state.get("results") or {})


def entry_guard(
    name: str, guards: GuardSettings
) -> Callable[[SpecialistState, RunnableConfig], dict[str, Any]]:
    """The entry guard's logic (CPU only: it runs inline under ``invoke`` and ``ainvoke`` alike)."""

    def check(state: SpecialistState, config: RunnableConfig) -> dict[str, Any]:
        handoff = state["handoff"]
        verdict = check_input(
            sanitize(handoff["task"], strip_markup=guards.strip_markup), guards, guard="entry_guard"
        )
        verdict["subtask_id"] = handoff["subtask_id"]
        update: dict[str, Any] = {"verdicts": [verdict]}
        if verdict["action"] != "pass":
            declined = f"The {name} specialist declined this request ({verdict['reason']})."
            result = subtask_result(handoff, status="failed", answer=declined, confidence=0.0, path="offline")
            update["results"] = {handoff["subtask_id"]: result}
        return update

    return check


StepLogic = Callable[[SpecialistState, RunnableConfig], Steps[dict[str, Any]]]


def behind_entry_guard(name: str, guards: GuardSettings, logic: StepLogic) -> StepLogic:
    """``logic`` behind the entry guard: a specialist's first step checks its handoff first, in the
    same graph step (a step fewer per subtask: LangGraph's per-step cost is most of a crew's own);
    a declined handoff is the subtask's result and ``logic`` does not run."""
    check = entry_guard(name, guards)

    def first(state: SpecialistState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        if state.get("messages") or state.get("steps"):  # a later turn of a tool loop
            return (yield from logic(state, config))
        entry = check(state, config)
        if "results" in entry:
            return entry
        update = yield from logic(state, config)
        return {**update, "verdicts": [*entry["verdicts"], *(update.get("verdicts") or [])]}

    return first


def build_specialist(
    runtime: SpecialistRuntime, guards: GuardSettings
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile the subgraph for one specialist (added to the supervisor as a node of that name).

    Every node has a native sync and async half over one logic (:mod:`crewline.nodes.sync_async`):
    under ``ainvoke`` the model call and the tools are awaited, not run in a thread per node.
    """
    breaker_key = f"specialist:{runtime.name}"

    def breakers() -> CircuitBreakers:
        assert runtime.model is not None
        return runtime.model.guards()[1]

    def first_step(state: SpecialistState) -> Literal["act", "agent"]:
        return "agent" if runtime.model is not None else "act"

    def act(state: SpecialistState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        result, withheld = yield from runtime.screened_offline(state["handoff"], guards)
        update: dict[str, Any] = {"results": {result["subtask_id"]: result}}
        if withheld:  # passages the passage guard dropped from the evidence
            update["verdicts"] = withheld
        return update

    def fall_back(
        state: SpecialistState,
        why: str,
        *,
        guard: str = "model_fallback",
        verdicts: Sequence[Verdict] = (),
        usage: Usage | None = None,
        ran: Mapping[str, Any] | None = None,
    ) -> Steps[dict[str, Any]]:
        outputs = [m for m in (ran or {}).get("messages", []) if isinstance(m, ToolMessage)]
        if outputs and isinstance(outputs[-1].artifact, dict):  # the local call ran: not a second time
            result = offline_result(state["handoff"], outputs[-1].name or "", outputs[-1].artifact)
            withheld: list[Verdict] = list((ran or {}).get("verdicts", []))
        else:
            result, withheld = yield from runtime.screened_offline(state["handoff"], guards)
        verdict = Verdict(
            guard=guard, score=1.0, reason=why, action="fallback", subtask_id=result["subtask_id"]
        )
        update: dict[str, Any] = {
            "results": {result["subtask_id"]: result},
            "verdicts": [*verdicts, verdict, *withheld],
        }
        usage = merge_usage(usage, (ran or {}).get("usage"))  # the local call's tool calls count too
        if usage:
            update["usage"] = usage
        if ran and ran.get("pii_vault"):
            update["pii_vault"] = ran["pii_vault"]
        return update

    def call_tools(handoff: Handoff, call: AIMessage) -> Steps[dict[str, Any]]:
        """``call``'s tool calls run through the one tool wrapper: a tools step's update."""
        raw, pending = yield from runtime.tool_calls(handoff, call, guards)
        messages: list[ToolMessage] = []
        verdicts: list[Verdict] = []
        vault: dict[str, str] = {}
        for message in raw:
            guarded, withheld, sealed = guard_tool_message(message, handoff["subtask_id"], guards)
            messages.append(guarded)
            verdicts += withheld
            vault |= sealed
        update: dict[str, Any] = {"messages": messages, "usage": {"tool_calls": len(call.tool_calls)}}
        if vault:
            update["pii_vault"] = vault
        if verdicts:
            update["verdicts"] = verdicts
        if pending is not None:
            update["results"] = {pending["subtask_id"]: pending}
        return update

    def local_call(handoff: Handoff) -> Steps[dict[str, Any]]:
        """Before the first model turn, the tool call the offline path is sure of (its choice and
        every argument, no approval needed: :meth:`SpecialistRuntime.confident_call`), run as if the
        model had made it: the model is asked once, to answer from its output (or to call again)."""
        chosen = runtime.confident_call(handoff)
        if chosen is None:
            return {}
        tool, args = chosen
        call_id = f"local_{handoff['subtask_id']}"
        call = AIMessage("", tool_calls=[ToolCall(name=tool.name, args=args, id=call_id, type="tool_call")])
        ran = yield from call_tools(handoff, call)
        return {**ran, "messages": [call, *ran["messages"]]}

    def agent(state: SpecialistState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        handoff = state["handoff"]
        steps = state.get("steps", 0)
        if steps >= runtime.max_tool_steps:
            yield blocking(lambda: breakers().failure(breaker_key, "tool loop limit"))
            limit = f"tool loop reached its limit of {runtime.max_tool_steps} model calls"
            return (yield from fall_back(state, limit))
        if steps == 0 and not (yield blocking(lambda: breakers().allow(breaker_key))):
            # open: route around the model path
            why = f"circuit open for the {runtime.name} specialist: answered offline"
            return (yield from fall_back(state, why, guard="circuit_breaker"))
        scope = RunScope.from_config(
            config,
            turn=handoff["subtask_id"].split(".")[0],
            specialist=runtime.name,
            subtask_id=handoff["subtask_id"],
        )
        history = list(state.get("messages") or [])
        new = [] if history else runtime.first_messages(handoff)
        ran = {} if history else (yield from local_call(handoff))
        new += ran.get("messages", [])
        try:
            reply, _ = yield from runtime.model_turn([*history, *new], scope)
        except ModelUnavailable as exc:  # every model failed or a budget ran out: the offline path answers
            reason = str(exc)
            if not exc.budget:
                yield blocking(lambda: breakers().failure(breaker_key, reason))
            why = f"model unavailable: {reason[:240]}"
            return (yield from fall_back(state, why, verdicts=scope.verdicts, usage=scope.usage, ran=ran))
        except Exception as exc:  # anything unforeseen on the model path: still answer offline
            failure = f"{type(exc).__name__}: {exc}"
            yield blocking(lambda: breakers().failure(breaker_key, failure))
            first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            why = f"model unavailable: {first}"
            return (yield from fall_back(state, why, verdicts=scope.verdicts, usage=scope.usage, ran=ran))
        update: dict[str, Any] = {
            "messages": [*new, reply],
            "steps": steps + 1,
            "usage": merge_usage(scope.usage, ran.get("usage")),
            "verdicts": [*ran.get("verdicts", []), *scope.verdicts],
        }
        if ran.get("pii_vault"):
            update["pii_vault"] = ran["pii_vault"]
        if not reply.tool_calls:  # the model's answer: the subtask's result, in this same step
            update["results"] = yield from finish(handoff, [*history, *new, reply])
        return update

    def after_agent(state: SpecialistState) -> Literal["tools", "__end__"]:
        if _done(state):
            return "__end__"
        messages = state.get("messages") or []
        last = messages[-1] if messages else None
        return "tools" if isinstance(last, AIMessage) and last.tool_calls else "__end__"

    def tools(state: SpecialistState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        last = state["messages"][-1]
        assert isinstance(last, AIMessage)
        return (yield from call_tools(state["handoff"], last))

    def after_tools(state: SpecialistState) -> Literal["agent", "__end__"]:
        return "__end__" if _done(state) else "agent"

    def finish(handoff: Handoff, messages: Sequence[AnyMessage]) -> Steps[dict[str, SubtaskResult]]:
        result = runtime.model_result(handoff, list(messages))
        # The breaker judges the model path, not the request: a model that answered is healthy
        # even when the tools it called failed (a customer not found is not an outage).
        last = messages[-1] if messages else None
        if isinstance(last, AIMessage) and last.text.strip():
            yield blocking(lambda: breakers().success(breaker_key))
        else:
            yield blocking(lambda: breakers().failure(breaker_key, result["answer"]))
        return {result["subtask_id"]: result}

    graph = StateGraph(SpecialistState, input_schema=SpecialistInput, output_schema=SpecialistOutput)
    # what a node returns enters the state as placeholders (crewline.graphs.sealing), in the same step
    graph.add_node("act", node("act", sealing(behind_entry_guard(runtime.name, guards, act), guards)))
    graph.add_node("agent", node("agent", sealing(behind_entry_guard(runtime.name, guards, agent), guards)))
    graph.add_node("tools", node("tools", sealing(tools, guards)))
    graph.add_conditional_edges(START, branch(first_step), ["act", "agent"])
    graph.add_edge("act", END)
    graph.add_conditional_edges("agent", branch(after_agent), ["tools", END])
    graph.add_conditional_edges("tools", branch(after_tools), ["agent", END])
    return graph.compile(name=runtime.name)
