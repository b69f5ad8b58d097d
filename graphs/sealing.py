"""Personal data enters a crew's state as placeholders, wherever it comes from.

The input guard pseudonymises the request and the tool wrapper (:mod:`crewline.nodes.tool_guard`)
the tool output a model reads. What is left is pseudonymised here, where a specialist's output (and
an approved action's outcome) enters the crew's state: the offline path's tool results, and anything
a model or an agent wrote. So no channel of the state, no checkpoint, no server thread record and no
trace holds a raw value, in every mode (embedded, CLI, server); values are revealed only where a
result leaves crewline (:func:`crewline.nodes.guards.reveal.reveal`).

- a value one of this turn's tools returned becomes a *restorable* placeholder: its sealed original
  joins the thread's ``pii_vault`` (the user may see it; secrets never, and none when
  ``guards.pii.show_tool_values`` is off);
- any other value (a model's leak) becomes a plain placeholder with nothing kept to restore it: the
  output guard finds a placeholder without an entry in the answer and treats it as the leak it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig
from langgraph.graph.state import CompiledStateGraph

from crewline.nodes.guards import GuardSettings, default_vault
from crewline.nodes.guards.disclosure import protect_strings, tool_outputs
from crewline.nodes.guards.vault import Vault
from crewline.nodes.sync_async import Steps, step_runnable

__all__ = ["seal_output", "sealed_at_exit", "sealed_values", "sealing"]

_KEPT = ("answer", "results", "sources")


def sealed_values(values: Mapping[str, Any], outputs: Sequence[str], guards: GuardSettings) -> dict[str, Any]:
    """Answer, results and sources of ``values`` with placeholders; the sealed originals of the tool
    values among them (restorable: the user may see them) as ``pii_vault``."""
    parts = {k: values[k] for k in _KEPT if k in values}
    kept, sealed = protect_strings(parts, outputs, guards, default_vault())
    return {**kept, "pii_vault": sealed}


_ACTIONS = ("pending_action", "pending_actions")  # arguments an approved tool is called with


def seal_output(output: Any, guards: GuardSettings, vault: Vault) -> Any:
    """A specialist's output with placeholders in its results (see the module docstring).

    A result's pending action is left as it is: its arguments are what an approved tool will be
    called with (taken from the request, which the input guard pseudonymised already).
    """
    results = output.get("results") if isinstance(output, Mapping) else None
    if not results or guards.pii.on_input == "pass":  # the spec keeps raw values on purpose
        return output
    judged = {sid: {k: v for k, v in r.items() if k not in _ACTIONS} for sid, r in results.items()}
    kept, sealed = protect_strings(judged, tool_outputs(results.values()), guards, vault)
    if kept == judged:
        return output
    sealed_results = {
        sid: {k: value if k in _ACTIONS else kept[sid][k] for k, value in r.items()}
        for sid, r in results.items()
    }
    return {**output, "results": sealed_results, "pii_vault": {**(output.get("pii_vault") or {}), **sealed}}


def sealing(
    logic: Callable[[Any, RunnableConfig], Steps[dict[str, Any]]], guards: GuardSettings
) -> Callable[[Any, RunnableConfig], Steps[dict[str, Any]]]:
    """A specialist node's ``logic`` whose update is sealed (:func:`seal_output`) before it leaves the
    node: crewline's own specialists seal where their results are made, in the same step."""

    def sealed(state: Any, config: RunnableConfig) -> Steps[dict[str, Any]]:
        update = yield from logic(state, config)
        return seal_output(update, guards, default_vault())  # type: ignore[no-any-return]

    return sealed


def sealed_at_exit(
    specialist: CompiledStateGraph[Any, Any, Any, Any], guards: GuardSettings
) -> Runnable[Any, Any]:
    """``specialist`` (a user's graph) followed by :func:`seal_output`.

    A sequence keeps the subgraph a subgraph for LangGraph: ``get_graph(xray=True)``,
    ``get_state(subgraphs=True)`` and ``stream(subgraphs=True)`` find it inside.
    """

    def seal(output: Any) -> Any:
        return seal_output(output, guards, default_vault())

    async def aseal(output: Any) -> Any:  # CPU only (the vault is loaded when the crew is built)
        return seal(output)

    # an async half keeps the node async-capable, so a spec's node timeout still applies to it
    return specialist | step_runnable("seal_at_exit", seal, aseal)
