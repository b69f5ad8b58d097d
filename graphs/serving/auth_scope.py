"""Who a request's caller is and what they may touch: the pieces every ``auth`` handler shares.

Split from :mod:`crewline.graphs.serving.auth` so the handlers read as a list of rules: the identity
of ``ctx.user`` (a mapping under ``langgraph dev``, a pydantic model under Aegra), the metadata
filter of what the caller may read or write, the stamp of owner and tenant on what they create, and
the audit record of each attempt, granted or refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, NoReturn

from langgraph_sdk import Auth

from crewline.graphs.serving.aegra_server import ACTOR_KEY
from crewline.graphs.serving.lineage import LINEAGE_KEY
from crewline.graphs.serving.services import Identity, get_services

__all__ = [
    "OWNER_KEY",
    "PROTECTED_KEYS",
    "TENANT_KEY",
    "acts_for_owner",
    "audit",
    "bytes_keys",
    "can",
    "drop_protected",
    "identity",
    "jsonable",
    "refuse",
    "scope_filter",
    "stamp",
]

OWNER_KEY = "owner"
TENANT_KEY = "tenant_id"
# written by crewline alone: who owns a thread, its tenant, and which thread a copy came from
PROTECTED_KEYS = (OWNER_KEY, TENANT_KEY, LINEAGE_KEY)


def bytes_keys(headers: Mapping[Any, Any]) -> dict[bytes, bytes]:
    """Headers as lower-case bytes (``langgraph dev`` passes bytes, Aegra str)."""

    def raw(value: Any) -> bytes:
        return value if isinstance(value, bytes) else str(value).encode("latin-1")

    return {raw(k).lower(): raw(v) for k, v in headers.items()}


def _field(user: Any, key: str, default: Any = None) -> Any:
    """A field of ``ctx.user``: a mapping under ``langgraph dev``, a pydantic ``User`` under Aegra."""
    try:
        return user[key]
    except (KeyError, TypeError):
        return getattr(user, key, default)


def identity(ctx: Auth.types.AuthContext) -> Identity:
    user = ctx.user
    return Identity(
        # the caller, also when the identity the server scopes on is the owner of a thread an
        # approver answers (Aegra, see aegra_server.acting_for)
        user_id=str(_field(user, ACTOR_KEY) or user.identity),
        tenant_id=str(_field(user, "tenant_id")),
        roles=tuple(_field(user, "roles") or ()),
        via=str(_field(user, "via")),
        permissions=tuple(ctx.permissions),
    )


def acts_for_owner(ctx: Auth.types.AuthContext) -> bool:
    """Whether this request acts on a colleague's thread as its owner (an approver under Aegra)."""
    return str(ctx.user.identity) != identity(ctx).user_id


def can(ctx: Auth.types.AuthContext, permission: str) -> bool:
    return permission in ctx.permissions


def scope_filter(ctx: Auth.types.AuthContext, level: str = "read") -> dict[str, Any]:
    """The metadata filter of what this user may ``read``, ``approve`` (resume) or ``write``."""
    who = identity(ctx)
    permission = {"read": "tenant:read", "approve": "escalations:approve", "write": "tenant:write"}[level]
    if can(ctx, permission):
        return {TENANT_KEY: who.tenant_id}
    return {TENANT_KEY: who.tenant_id, OWNER_KEY: who.user_id}


def drop_protected(metadata: Any) -> None:
    """Remove the keys only crewline writes from client-sent metadata (in place), so ownership
    cannot be handed over, moved to another tenant, or a thread claimed to be a copy."""
    if isinstance(metadata, dict):
        for key in PROTECTED_KEYS:
            metadata.pop(key, None)


def stamp(ctx: Auth.types.AuthContext, value: Any) -> None:
    """Set owner and tenant in ``value['metadata']`` (in place: the server reads the same dict)."""
    who = identity(ctx)
    metadata = value.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
        value["metadata"] = metadata
    metadata.pop(LINEAGE_KEY, None)  # only the edge says a thread is a copy
    metadata[OWNER_KEY] = who.user_id
    metadata[TENANT_KEY] = who.tenant_id
    # a run that creates its thread (``if_not_exists: "create"``) gives the thread its config's
    # metadata too: no protected key may come in that way either
    kwargs = value.get("kwargs") if isinstance(value.get("kwargs"), dict) else value
    config = kwargs.get("config")
    drop_protected(config.get("metadata") if isinstance(config, dict) else None)


async def audit(ctx: Auth.types.AuthContext, action: str, thread_id: Any = None, **detail: Any) -> None:
    who = identity(ctx)
    await asyncio.to_thread(
        get_services().audit.append,
        action,
        actor=who.user_id,
        tenant_id=who.tenant_id,
        thread_id=str(thread_id) if thread_id else None,
        detail={"roles": list(who.roles), **detail},
    )


async def refuse(
    ctx: Auth.types.AuthContext, action: str, thread_id: Any, status: int, reason: str, **detail: Any
) -> NoReturn:
    """Audit a refused attempt as a refusal (who tried what, and why not), then refuse it."""
    await audit(ctx, action, thread_id, refused=reason, **detail)
    raise Auth.exceptions.HTTPException(status_code=status, detail=reason)


def jsonable(value: Any) -> Any:
    """``value`` with anything JSON cannot hold as its ``str`` (a command goes into the audit log)."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)
