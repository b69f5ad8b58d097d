"""A crew's state behind a server edge that shows the values: placeholders from where tool values enter.

langgraph-api copies a run's in-memory state values into its thread records (after every run, and when
a run fails or is cancelled half-way), and the pseudonymising checkpointer never sees those records.
So in a server-edge process (:func:`crewline.nodes.guards.vault.restores_at_edge`) the personal data a
specialist's tools returned is pseudonymised in the specialist's output, before the crew's state
holds it, instead of at the output guard:

- every detected value in the results becomes its keyed placeholder; a tool's values (the ones the
  user may see) are sealed into ``pii_vault`` exactly as the output guard seals them, so ``respond``
  and the edge show the same answer as before;
- every replaced value is also sealed into ``entry_vault`` for the output guard alone (its own
  AES-GCM purpose, :data:`ENTRY`: neither ``respond`` nor the edge can open it). The guard judges the
  answer on the values the specialists returned, so a model's leak is still a leak and a secret is
  still blocked, then stores placeholders again and empties ``entry_vault``.

Whether a process is a server edge is read on every call (a process setting, set when the server app
is imported, which may come after the graphs compile). Elsewhere the specialists' output is untouched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from langchain_core.runnables import Runnable
from langgraph.graph.state import CompiledStateGraph

from crewline.graphs.state import CrewState
from crewline.nodes.guards import GuardSettings, default_vault, detect_pii
from crewline.nodes.guards.disclosure import protect_strings, tool_outputs
from crewline.nodes.guards.serde import walk_strings
from crewline.nodes.guards.vault import Vault, restores_at_edge
from crewline.nodes.sync_async import step_runnable

__all__ = ["ENTRY", "EdgeCrewState", "entry_view", "kept_for_edge", "merge_entries", "sealed_at_entry"]

# AES-GCM associated data of ``entry_vault``'s values: only the output guard opens them (not bound to a
# thread: a specialist's cached output serves other threads too). What it opens only informs its
# verdicts: it stores placeholders again, and what may be shown is what ``pii_vault`` already held
# genuinely (a token that opens to the value its placeholder names: ``Vault.genuine``).
ENTRY = b"crewline:entry"
_KEPT = ("answer", "results", "sources")


def merge_entries(left: dict[str, str] | None, right: dict[str, str] | None) -> dict[str, str]:
    """Entries of parallel specialists merged by placeholder; an empty write empties the channel."""
    return {**(left or {}), **right} if right else {}


class EdgeCrewState(CrewState, total=False):
    """The crew's state with its one private channel (not part of a run's output)."""

    # placeholder -> sealed original (purpose ENTRY) of each value the specialists' results held this
    # turn: written by the specialists under a server edge, emptied by the output guard and a new turn.
    # ``| None``: LangGraph then starts the channel empty (absent from the state, as without an edge)
    # rather than at ``{}``.
    entry_vault: Annotated[dict[str, str] | None, merge_entries]


def kept_for_edge(
    values: Mapping[str, Any], outputs: Sequence[str], sealed: Mapping[str, str], guards: GuardSettings
) -> dict[str, Any]:
    """Answer, results and sources with placeholders for a server's thread record; the sealed
    originals of tool values (restorable: the user may see them) join ``sealed`` as ``pii_vault``."""
    parts = {k: values[k] for k in _KEPT if k in values}
    kept, more = protect_strings(parts, outputs, guards, default_vault())
    return {**kept, "pii_vault": {**sealed, **more}}


def _originals(obj: Any, guards: GuardSettings, vault: Vault) -> dict[str, str]:
    """Every detected value in ``obj``'s strings, sealed for the output guard, by placeholder."""
    found: dict[str, str] = {}

    def note(text: str) -> str:
        for span in detect_pii(text, guards.pii.types):
            placeholder = vault.placeholder(span.type, span.value)
            if placeholder not in found:
                found[placeholder] = vault.seal(span.value, ENTRY)
        return text

    walk_strings(obj, note)
    return found


def seal_output(output: Any, guards: GuardSettings, vault: Vault) -> Any:
    """A specialist's output with placeholders in its results (see the module docstring).

    A result's pending action is left as it is: its arguments are what an approved tool will be
    called with (taken from the request, which the input guard pseudonymised already).
    """
    results = output.get("results") if isinstance(output, Mapping) else None
    if not results:
        return output
    judged = {sid: {k: v for k, v in r.items() if k != "pending_action"} for sid, r in results.items()}
    originals = _originals(judged, guards, vault)
    if not originals:
        return output
    kept, sealed = protect_strings(judged, tool_outputs(results.values()), guards, vault)
    sealed_results = {
        sid: {k: value if k == "pending_action" else kept[sid][k] for k, value in r.items()}
        for sid, r in results.items()
    }
    return {
        **output,
        "results": sealed_results,
        "pii_vault": {**(output.get("pii_vault") or {}), **sealed},
        "entry_vault": originals,
    }


def sealed_at_entry(
    specialist: CompiledStateGraph[Any, Any, Any, Any], guards: GuardSettings
) -> Runnable[Any, Any]:
    """``specialist`` followed by :func:`seal_output` under a server edge (a pass-through elsewhere).

    A sequence keeps the subgraph a subgraph for LangGraph: ``get_graph(xray=True)``,
    ``get_state(subgraphs=True)`` and ``stream(subgraphs=True)`` find it inside.
    """

    def seal(output: Any) -> Any:
        return seal_output(output, guards, default_vault()) if restores_at_edge() else output

    async def aseal(output: Any) -> Any:  # in a worker thread: the vault may read its key file
        return await asyncio.to_thread(seal, output) if restores_at_edge() else output

    # an async half keeps the node async-capable, so a spec's node timeout still applies to it
    return specialist | step_runnable("seal_at_entry", seal, aseal)


def entry_view(state: Mapping[str, Any]) -> dict[str, Any]:
    """Answer, results and sources with the values the specialists returned, for the output guard
    to judge in memory (empty when nothing was sealed at entry)."""
    entries = state.get("entry_vault") or {}
    if not entries:
        return {}
    vault = default_vault()

    def restore(text: str) -> str:
        return vault.restore(text, entries, verified=True, purpose=ENTRY)

    return {k: walk_strings(state[k], restore) for k in _KEPT if k in state}
