"""What a thread, assistant or store request body becomes at crewline's server edge (see
:mod:`crewline.graphs.serving.redact_input`, the middleware that applies it).

The server persists these bodies as they come (``.langgraph_api/*.pckl`` with ``langgraph dev``, its
tables in production); no node and no checkpointer sees them. So every string in them, dictionary
keys included, becomes crewline's keyed placeholder here:

- labels the caller reads back (a thread's or an assistant's ``metadata``, a store item's ``value``)
  carry the originals sealed for the edges (:data:`crewline.nodes.guards.reveal.SHOWN`) in their own
  ``answer_vault``, so :mod:`crewline.graphs.serving.restore_output` shows the caller what it wrote;
  the vault entries a client sends itself are dropped (only this edge writes them);
- an assistant's ``config``, ``context``, ``name`` and ``description``, a thread's ``supersteps`` and a
  store item's ``key`` keep plain placeholders: the graph reads the config and context (a crew holds
  placeholders, never values), and a key is an address, not a label to show. Placeholders are keyed
  hashes, the same for the same value, so a search filter or a key rewritten the same way still
  finds what was written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from crewline.graphs.serving.run_payload import sealing
from crewline.nodes.guards.reveal import SHOWN, VAULT_KEY
from crewline.nodes.guards.serde import walk_strings
from crewline.nodes.guards.vault import Vault

__all__ = ["Route", "labelled_path", "record_route", "redact_query", "redact_record"]

Route = str  # "thread", "thread_patch", "assistant", "assistant_patch", "search", "store", "store_query"

_ROUTES: tuple[tuple[str, re.Pattern[str], Route], ...] = (
    ("POST", re.compile(r"^/threads/?$"), "thread"),
    ("POST", re.compile(r"^/threads/search/?$"), "search"),
    ("PATCH", re.compile(r"^/threads/[^/]+/?$"), "thread_patch"),
    ("POST", re.compile(r"^/assistants/?$"), "assistant"),
    ("POST", re.compile(r"^/assistants/search/?$"), "search"),
    ("PATCH", re.compile(r"^/assistants/[^/]+/?$"), "assistant_patch"),
    ("PUT", re.compile(r"^/store/items/?$"), "store"),
    ("DELETE", re.compile(r"^/store/items/?$"), "store"),
    ("POST", re.compile(r"^/store/items/search/?$"), "search"),
    ("GET", re.compile(r"^/store/items/?$"), "store_query"),
)
# what each body holds that the caller reads back with its values: sealed for the edges beside it
_SHOWN_LABELS = {"thread": "metadata", "thread_patch": "metadata", "assistant": "metadata"}
_SHOWN_LABELS |= {"assistant_patch": "metadata", "store": "value"}
# fields the server persists or matches against that keep plain placeholders (see the module docstring)
_PLAIN = ("config", "context", "name", "description", "supersteps", "key", "metadata", "values", "filter")


def record_route(method: str, path: str) -> Route | None:
    """Which kind of record request this is, or ``None`` (not one this edge rewrites)."""
    for verb, pattern, route in _ROUTES:
        if method == verb and pattern.match(path):
            return route
    return None


def labelled_path(route: Route, path: str) -> str | None:
    """The record a PATCH merges its labels into (its ``answer_vault`` entries are kept), or ``None``."""
    return path.rstrip("/") if route in ("thread_patch", "assistant_patch") else None


def _shown(labels: Mapping[str, Any], vault: Vault, kept: Mapping[str, str]) -> dict[str, Any]:
    """``labels`` pseudonymised, with the originals sealed for the edges in its ``answer_vault`` (beside
    ``kept``, the entries the record already holds: a PATCH merges labels, not vaults)."""
    entries: dict[str, str] = {}
    walked: dict[str, Any] = walk_strings(
        {k: v for k, v in labels.items() if k != VAULT_KEY}, sealing(vault, entries)
    )
    if not entries:
        return walked
    return {**walked, VAULT_KEY: {**kept, **vault.reseal(entries, entries, SHOWN)}}


def redact_record(route: Route, parsed: Any, vault: Vault, kept: Mapping[str, str] | None = None) -> bool:
    """Pseudonymise a record request body in place (see the module docstring); True when it changed."""
    if not isinstance(parsed, dict):
        return False
    before = repr(parsed)
    shown = _SHOWN_LABELS.get(route)
    if shown and isinstance(parsed.get(shown), dict):
        parsed[shown] = _shown(parsed[shown], vault, kept or {})
    for field in _PLAIN:
        if field in parsed and field != shown:
            parsed[field] = walk_strings(parsed[field], vault.redact)
    return repr(parsed) != before


def redact_query(query_string: bytes, vault: Vault) -> bytes:
    """A store read's query (``?namespace=…&key=…``) with its key written as :func:`redact_record`
    stored it."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    redacted = [(name, vault.redact(value) if name == "key" else value) for name, value in pairs]
    return query_string if redacted == pairs else urlencode(redacted).encode()
