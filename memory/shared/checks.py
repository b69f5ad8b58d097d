"""What a host sharing state with others must also share, checked from its environment.

Shared tables are not enough on their own: the audit log's key and anchor directory, and the
vault's key (personal values become keyed placeholders), live outside the database on purpose
(:mod:`crewline.memory.operations.audit_anchor`, :mod:`crewline.nodes.guards.vault`), so each host
creates its own under its data directory unless told otherwise, and then cannot verify the others'
audit entries or reveal the values they pseudonymised. ``crewline health`` prints these lines.
"""

from __future__ import annotations

import os

from crewline.memory.checkpoint.urls import parse
from crewline.memory.shared.urls import state_url

__all__ = ["shared_setup_warnings"]

_SHARED_SECRETS = (
    ("CREWLINE_AUDIT_KEY", "other hosts report this host's audit entries as written under another key"),
    ("CREWLINE_AUDIT_ANCHOR_DIR", "each host's anchor sees the others' audit entries as newer than itself"),
    ("CREWLINE_AES_KEY", "a host cannot reveal personal values another host pseudonymised"),
)


def shared_setup_warnings() -> list[str]:
    """One line per setting a multi-host deployment is missing (none on a single machine)."""
    shared = {name for name in ("tickets", "audit") if parse(state_url(name)).kind == "postgres"}
    if not shared:
        return []
    return [
        f"shared state without {variable}: {consequence}"
        for variable, consequence in _SHARED_SECRETS
        if not os.environ.get(variable, "").strip()
        and (variable != "CREWLINE_AES_KEY" or "tickets" in shared)
    ]
