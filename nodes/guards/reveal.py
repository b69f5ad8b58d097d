"""The one place placeholders become values again: where a result leaves crewline.

Inside a crew nothing holds a raw personal value: the input guard pseudonymises the request, the tool
wrapper and a specialist's exit pseudonymise what tools and models return
(:mod:`crewline.graphs.sealing`), and the thread's ``pii_vault`` keeps the sealed originals of the
values the user may see. ``respond`` seals the originals of the placeholders its answer shows once
more, for the edges alone (:data:`SHOWN`), into ``answer_vault`` and onto the answer message. Every
edge calls :func:`reveal` on what it hands out: the CLI, :class:`crewline.graphs.crew_graph.Crew`'s
``invoke`` for embedded callers, and the server's response middleware
(:mod:`crewline.graphs.serving.restore_output`).

- A value is revealed only inside an object that carries such a vault (a state's ``answer_vault``, a
  message's ``additional_kwargs["answer_vault"]``) and only where the sealed value is the one its
  placeholder names (its keyed hash): an entry slipped in cannot put other text in a placeholder's
  place, and a placeholder without an entry stays a placeholder.
- Only tokens sealed for :data:`SHOWN` open here: a request's or a tool's sealed values, which
  thread states and run records also hold, do not, so no client can use an edge to decrypt them.
- An escalation's ``__interrupt__`` payload stays as the ticket holds it (placeholders).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from langchain_core.messages import BaseMessage
from langgraph.types import GraphOutput

from crewline.nodes.guards.serde import walk_strings
from crewline.nodes.guards.vault import PLACEHOLDER, Vault, default_vault

__all__ = ["SHOWN", "VAULT_KEY", "reveal", "shown_entries", "vault_of"]

VAULT_KEY = "answer_vault"
# AES-GCM associated data of the values an answer shows: the edges open these and nothing else
SHOWN = b"crewline:shown"
T = TypeVar("T")
_MAX_DEPTH = 64
_INTERRUPTS = "__interrupt__"
_SHOWN_IN = ("answer", "results", "sources")


def shown_entries(state: Mapping[str, Any], vault: Vault) -> dict[str, str]:
    """The originals of the placeholders a turn's answer, results and sources show, sealed for the
    edges (:data:`SHOWN`): those the thread's ``pii_vault`` holds genuinely, nothing else."""
    shown_in = json.dumps([state.get(key) for key in _SHOWN_IN], default=str)
    placeholders = {match.group(0) for match in PLACEHOLDER.finditer(shown_in)}
    return vault.reseal(state.get("pii_vault") or {}, placeholders, SHOWN)


def vault_of(obj: object) -> Mapping[str, str] | None:
    """The shown entries ``obj`` carries (a state's or a message's), or ``None``."""
    if isinstance(obj, Mapping):
        entries = obj.get(VAULT_KEY)
        if not isinstance(entries, Mapping):
            extra = obj.get("additional_kwargs")
            entries = extra.get(VAULT_KEY) if isinstance(extra, Mapping) else None
    elif isinstance(obj, BaseMessage):
        entries = obj.additional_kwargs.get(VAULT_KEY)
    else:
        return None
    return entries if isinstance(entries, Mapping) and entries else None


def reveal(obj: T, *, vault: Vault | None = None) -> T:
    """``obj`` with the placeholders its shown entries vouch for replaced by their values."""
    revealed: T = _reveal_inside(obj, vault or default_vault(), 0)
    return revealed


def _restored(obj: T, entries: Mapping[str, str], vault: Vault) -> T:
    def restore(text: str) -> str:
        return vault.restore(text, entries, verified=True, purpose=SHOWN)

    if isinstance(obj, Mapping) and _INTERRUPTS in obj:  # an escalation's payload stays as the ticket has it
        kept = {k: v if k == _INTERRUPTS else walk_strings(v, restore) for k, v in obj.items()}
        return kept  # type: ignore[return-value]
    result: T = walk_strings(obj, restore)
    return result


def _reveal_inside(obj: Any, vault: Vault, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return obj
    entries = vault_of(obj)
    if entries is not None:
        return _restored(obj, entries, vault)
    if isinstance(obj, Mapping):
        return {key: _reveal_inside(value, vault, depth + 1) for key, value in obj.items()}
    if isinstance(obj, list):
        return [_reveal_inside(value, vault, depth + 1) for value in obj]
    if isinstance(obj, GraphOutput):  # invoke(version="v2"): its values (interrupts stay as they are)
        return GraphOutput(value=_reveal_inside(obj.value, vault, depth + 1), interrupts=obj.interrupts)
    return obj
