"""Any LangGraph agent as a specialist: ``Specialist(name, description, agent=create_agent(...))``.

The agent gets the handoff as messages; its last message is the subtask's answer. crewline keeps its
protections around a graph it did not build:

- the entry guard checks the task before the agent sees it;
- every ``ToolNode`` of the agent is swapped, in a copy, for one whose calls go through crewline's
  tool wrapper (:mod:`crewline.nodes.tool_guard`): tool output guarded and pseudonymised, a
  ``requires_approval`` tool held back as a pending action the supervisor escalates;
- the agent's model calls are checked against the crew's budgets, deadline and circuit breakers and
  counted in the run's usage (:mod:`crewline.nodes.agent_meter`); a refused or failed model call
  ends the agent's run and the specialist answers on the offline path with the agent's tools;
- an ``interrupt()`` inside the agent (``HumanInTheLoopMiddleware``, a tool of the user's) surfaces
  to the crew's caller and resumes where it stopped, like any LangGraph subgraph.
"""

from __future__ import annotations

import json
from typing import Any, cast

from langchain_core.callbacks import BaseCallbackHandler, BaseCallbackManager, CallbackManager
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import patch_config
from langchain_core.tools import BaseTool
from langgraph.errors import GraphBubbleUp
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode
from langgraph.pregel import Pregel

from crewline.errors import ConfigurationError
from crewline.graphs.sealing import sealing
from crewline.graphs.specialist import behind_entry_guard
from crewline.graphs.state import SpecialistInput, SpecialistOutput, SpecialistState
from crewline.memory.paths import data_dir
from crewline.memory.state.resilience_store import store_at
from crewline.nodes.agent_meter import AgentModelMeter
from crewline.nodes.guards import GuardSettings
from crewline.nodes.models.breaker import CircuitBreakers, store_path
from crewline.nodes.models.budget import Budgets, RunScope
from crewline.nodes.models.factory import ModelSettings
from crewline.nodes.specialist import SpecialistRuntime
from crewline.nodes.sync_async import Step, Steps, blocking, node
from crewline.nodes.tool_calls import tool_output
from crewline.nodes.tool_guard import ToolCallLog, current_log, guarded_tool_node
from crewline.nodes.types import Handoff, SubtaskResult, Verdict

__all__ = ["agent_tools", "build_agent_specialist", "check_agent", "guarded_agent", "handoff_messages"]


def check_agent(agent: object, specialist: str) -> Runnable[Any, Any]:
    """``agent`` if it can be a specialist: a graph with a ``messages`` channel or a Runnable."""
    if isinstance(agent, Pregel):
        if "messages" not in agent.channels:
            channels = ", ".join(sorted(c for c in agent.channels if not c.startswith(("__", "branch:"))))
            raise ConfigurationError(
                f"specialist {specialist!r}: agent has no 'messages' channel (its channels: {channels})"
            )
        return agent
    if isinstance(agent, Runnable):
        return agent
    raise ConfigurationError(
        f"specialist {specialist!r}: agent is a {type(agent).__name__}, not a compiled LangGraph graph "
        "or a Runnable that takes messages"
    )


def _tool_nodes(agent: Runnable[Any, Any]) -> dict[str, ToolNode]:
    if not isinstance(agent, Pregel):
        return {}
    return {name: node.bound for name, node in agent.nodes.items() if isinstance(node.bound, ToolNode)}


def agent_tools(agent: Runnable[Any, Any]) -> list[BaseTool]:
    """The tools of the agent's tool nodes (offered offline and run by approved actions)."""
    return [tool for node in _tool_nodes(agent).values() for tool in node.tools_by_name.values()]


def guarded_agent(agent: Runnable[Any, Any]) -> Runnable[Any, Any]:
    """A copy of ``agent`` whose tool nodes go through crewline's tool wrapper (the original is not
    changed: a user may run it elsewhere)."""
    tool_nodes = _tool_nodes(agent)
    if not tool_nodes:
        return agent
    graph = cast(Pregel[Any, Any, Any, Any], agent)
    nodes = {
        name: node.copy({"bound": guarded_tool_node(tool_nodes[name])}) if name in tool_nodes else node
        for name, node in graph.nodes.items()
    }
    return graph.copy({"nodes": nodes})


def handoff_messages(handoff: Handoff, system_prompt: str = "") -> list[AnyMessage]:
    """The handoff as the agent's input: one user message with the task, known context and limits."""
    parts = [system_prompt.strip()] if system_prompt.strip() else []
    parts.append(handoff["task"])
    if handoff["context"]:
        parts.append("Known context:\n" + "\n".join(f"- {k}: {v}" for k, v in handoff["context"].items()))
    if handoff["constraints"]:
        parts.append("Constraints:\n" + "\n".join(f"- {c}" for c in handoff["constraints"]))
    return [HumanMessage("\n\n".join(parts))]


def _with_meter(config: RunnableConfig, meter: AgentModelMeter) -> RunnableConfig:
    callbacks = config.get("callbacks")
    if isinstance(callbacks, BaseCallbackManager):  # keep the parent's tracing and streaming handlers
        manager = callbacks.copy()
        manager.add_handler(meter, inherit=True)
        return patch_config(config, callbacks=manager)
    handlers: list[BaseCallbackHandler] = [*(callbacks or []), meter]
    return patch_config(config, callbacks=CallbackManager(handlers=[], inheritable_handlers=handlers))


def _last_answer(output: Any) -> str:
    if isinstance(output, dict):
        messages = output.get("messages") or []
        last = next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)
        return last.text if last is not None else ""
    if isinstance(output, AIMessage):
        return output.text
    return output if isinstance(output, str) else ""


def _with_output(message: ToolMessage) -> ToolMessage:
    """An agent's tool message carrying crewline's result dict as its artifact (as the tool loop's
    do): a tool's JSON object as it returned it, else what :func:`tool_output` reads of the message."""
    if isinstance(message.artifact, dict) and "error" in message.artifact:  # withheld by the guard
        return message
    try:
        parsed = json.loads(message.text)
    except ValueError:
        parsed = None
    output = parsed if isinstance(parsed, dict) and message.status != "error" else tool_output(message)
    return message.model_copy(update={"artifact": output})


class _AgentRun:
    """One specialist's agent and what it needs around each run (sync and async share all but the call)."""

    def __init__(
        self,
        agent: Runnable[Any, Any],
        runtime: SpecialistRuntime,
        guards: GuardSettings,
        models: ModelSettings,
    ) -> None:
        self.agent = guarded_agent(agent)
        self.runtime = runtime
        self.guards = guards
        self.models = models

    def _counters(self, scope: RunScope) -> tuple[Budgets, CircuitBreakers]:
        """The crew's budget and breaker counters (SQLite), the run's deadline started."""
        store = store_at(store_path(data_dir()))
        budgets = Budgets(self.models.budgets, self.models.prices, store)
        budgets.run_started(scope)
        return budgets, CircuitBreakers(self.models.breaker, store)

    def prepare(
        self, state: SpecialistState, config: RunnableConfig
    ) -> Steps[tuple[dict[str, Any], RunnableConfig, ToolCallLog, RunScope]]:
        handoff = state["handoff"]
        scope = RunScope.from_config(
            config,
            turn=handoff["subtask_id"].split(".")[0],
            specialist=self.runtime.name,
            subtask_id=handoff["subtask_id"],
        )
        budgets, breakers = yield blocking(lambda: self._counters(scope))  # off the event loop
        meter = AgentModelMeter(
            scope,
            budgets,
            breakers,
            run_timeout_s=self.models.run_timeout_s,
            max_completion_tokens=self.models.max_completion_tokens,
        )
        log = ToolCallLog(handoff["subtask_id"], self.guards)
        messages = handoff_messages(handoff, self.runtime.system_prompt)
        return {"messages": messages}, _with_meter(config, meter), log, scope

    def finish(
        self, state: SpecialistState, output: Any, log: ToolCallLog, scope: RunScope
    ) -> dict[str, Any]:
        """The result as crewline's own tool loop makes it: the held actions wait for a human (all of
        them, in the order the agent called them), else the agent's last answer judged on its tool
        calls' outputs."""
        handoff = state["handoff"]
        if log.held:
            result = self.runtime.pending_calls(handoff, log.held, "model")
        else:
            messages: list[AnyMessage] = [*map(_with_output, log.messages), AIMessage(_last_answer(output))]
            result = self.runtime.model_result(handoff, messages)
        return self._update(result, [*scope.verdicts, *log.verdicts], scope, log.vault)

    @staticmethod
    def _update(
        result: SubtaskResult, verdicts: list[Verdict], scope: RunScope, vault: dict[str, str]
    ) -> dict[str, Any]:
        update: dict[str, Any] = {"results": {result["subtask_id"]: result}, "verdicts": verdicts}
        if scope.usage:
            update["usage"] = scope.usage
        if vault:
            update["pii_vault"] = vault
        return update

    def steps(self, state: SpecialistState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        """One run of the agent (invoked under ``invoke``, awaited under ``ainvoke``)."""
        payload, run_config, log, scope = yield from self.prepare(state, config)
        token = current_log().set(log)
        try:
            agent, run_on = self.agent, (payload, run_config)
            output = yield Step(lambda: agent.invoke(*run_on), lambda: agent.ainvoke(*run_on))
        except GraphBubbleUp:  # an interrupt inside the agent goes to the crew's caller
            raise
        except Exception as exc:  # its model was refused or failed: the offline path answers
            result, withheld = yield from self.runtime.screened_offline(state["handoff"], self.guards)
            reason = f"agent unavailable: {type(exc).__name__}: {str(exc)[:200]}"
            verdict = Verdict(guard="model_fallback", score=1.0, reason=reason, action="fallback")
            verdict["subtask_id"] = result["subtask_id"]
            return self._update(result, [*scope.verdicts, verdict, *withheld], scope, {})
        finally:
            current_log().reset(token)
        return self.finish(state, output, log, scope)


def build_agent_specialist(
    agent: Runnable[Any, Any], runtime: SpecialistRuntime, guards: GuardSettings, models: ModelSettings
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The specialist subgraph around ``agent``: the agent (sync or async), behind the entry guard."""
    run = _AgentRun(agent, runtime, guards, models)

    graph = StateGraph(SpecialistState, input_schema=SpecialistInput, output_schema=SpecialistOutput)
    graph.add_node(
        "agent", node("agent", sealing(behind_entry_guard(runtime.name, guards, run.steps), guards))
    )
    graph.add_edge(START, "agent")
    graph.add_edge("agent", END)
    return graph.compile(name=runtime.name)
