"""Who may act for which customer: the principal of a run and ``allowed(principal, resource, action)``.

A principal is a user in a tenant with roles and the customers it is bound to: an API key's
``customers`` (``crewline keys create --customer C-1001``) or a JWT's ``customers`` claim (a list of
ids, or ``"*"``). Staff roles (approver, admin) act for every customer of their tenant; a ``user``
acts only for the customers it is bound to, and a user bound to none acts for nobody (fail closed).

The principal reaches a tool through the run's config: a run the LangGraph server admitted carries
the caller as ``langgraph_auth_user`` (put there by the server after the client's own config, so no
client can claim another identity). A run started in-process (Python, the CLI) without that is the
application's own and trusted, like an approver; an embedding application that serves its own users
passes ``configurable={"crewline_principal": Principal(...)}`` (or the same as a dict) to narrow it.

A refusal raises :class:`AccessRefused` (a ``ToolFailure``: the crew reports it as the tool's one-line
error) after recording ``access.refused`` in the audit log: the tool returns no data and changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import ensure_config

from crewline.memory.operations.audit import AuditLog, default_audit_url, open_audit_log
from crewline.tools.errors import RecordUnavailable, ToolFailure

__all__ = [
    "ALL_CUSTOMERS",
    "STAFF_ROLES",
    "AccessRefused",
    "Action",
    "Principal",
    "allowed",
    "check_customer",
    "current_principal",
    "parse_customers",
    "principal_from_config",
]

ALL_CUSTOMERS = "*"
STAFF_ROLES = frozenset({"approver", "admin"})
Action = Literal["read", "write"]


@dataclass(frozen=True)
class Principal:
    """A caller: user, tenant, roles, and the customers it is bound to (ids, or ``"*"``)."""

    user_id: str
    tenant_id: str | None
    roles: tuple[str, ...] = ("user",)
    customers: tuple[str, ...] = ()
    trusted: bool = False  # the application itself (an in-process run with no caller)

    @property
    def staff(self) -> bool:
        return self.trusted or bool(STAFF_ROLES.intersection(self.roles))

    def as_claims(self) -> dict[str, Any]:
        return {
            "user": self.user_id,
            "tenant": self.tenant_id,
            "roles": list(self.roles),
            "customers": list(self.customers),
        }


LOCAL_PRINCIPAL = Principal(user_id="local", tenant_id=None, roles=("admin",), trusted=True)


def parse_customers(value: Any) -> tuple[str, ...]:
    """A ``customers`` binding (a key's column, a JWT claim) as a tuple of upper-cased ids or ``("*",)``.
    Anything that is not a string or a list of strings binds to nobody."""
    if isinstance(value, str):
        items: Iterable[Any] = value.replace(",", " ").split()
    elif isinstance(value, list | tuple):
        items = value
    else:
        return ()
    ids = [str(item).strip().upper() for item in items if isinstance(item, str) and item.strip()]
    return (ALL_CUSTOMERS,) if ALL_CUSTOMERS in ids else tuple(dict.fromkeys(ids))


def allowed(principal: Principal, customer_id: str, action: Action = "read") -> bool:
    """Whether ``principal`` may ``action`` (read or change) the data of customer ``customer_id``.

    Staff act for every customer of their tenant (the ERP a crew serves is its tenant's); anyone else
    only for the customers bound to their key or token. The action does not widen anything today: a
    user bound to a customer reads and acts for it; approval-gated actions still need an approver."""
    if principal.staff or ALL_CUSTOMERS in principal.customers:
        return True
    return customer_id.strip().upper() in principal.customers


def _from_mapping(data: Mapping[str, Any]) -> Principal:
    roles = data.get("roles") or ("user",)
    return Principal(
        user_id=str(data.get("user") or data.get("user_id") or data.get("identity") or "unknown"),
        tenant_id=str(data["tenant"]) if data.get("tenant") else (str(data.get("tenant_id") or "") or None),
        roles=tuple(str(r) for r in ([roles] if isinstance(roles, str) else roles)),
        customers=parse_customers(data.get("customers")),
    )


def _server_user(user: Any) -> Principal:
    """The principal of the server's authenticated user (a ``BaseUser`` proxy or a plain dict)."""

    def field(name: str, default: Any = None) -> Any:
        try:
            return user[name]
        except (KeyError, TypeError, AttributeError):
            return getattr(user, name, default)

    roles = field("roles") or ("user",)
    return Principal(
        user_id=str(field("identity") or "unknown"),
        tenant_id=str(field("tenant_id") or "") or None,
        roles=tuple(str(r) for r in roles),
        customers=parse_customers(field("customers")),
    )


def principal_from_config(config: RunnableConfig | None) -> Principal:
    """The run's caller: the server's authenticated user when there is one (never the client's claims),
    else an embedding application's ``crewline_principal``, else the trusted local application."""
    configurable = (config or {}).get("configurable") or {}
    user = configurable.get("langgraph_auth_user")
    if user is not None:
        return _server_user(user)
    if "langgraph_auth_permissions" in configurable:  # admitted by the server but no user: nobody
        return Principal(user_id="unknown", tenant_id=None, roles=(), customers=())
    given = configurable.get("crewline_principal")
    if isinstance(given, Principal):
        return given
    if isinstance(given, Mapping):
        return _from_mapping(given)
    return LOCAL_PRINCIPAL


def current_principal() -> Principal:
    """The principal of the run this code executes in (LangGraph's and LangChain's context config)."""
    return principal_from_config(ensure_config())


class AccessRefused(ToolFailure):
    """The caller may not read or act for this customer: no data, no side effect, an audit entry."""


_audit_logs: dict[str, AuditLog] = {}  # one per audit URL (the data directory may change in-process)
_audit_lock = threading.Lock()


def _audit_log() -> AuditLog:
    url = default_audit_url()
    with _audit_lock:
        if url not in _audit_logs:
            _audit_logs[url] = open_audit_log(url)
        return _audit_logs[url]


def audit_refusal(principal: Principal, what: str, customer_id: str, action: Action) -> None:
    """Record ``access.refused`` (who, what, which customer). The thread id is the run's, if any."""
    configurable = ensure_config().get("configurable") or {}
    thread_id = configurable.get("thread_id")
    _audit_log().append(
        "access.refused",
        actor=principal.user_id,
        tenant_id=principal.tenant_id,
        thread_id=str(thread_id) if thread_id else None,
        detail={
            "what": what,
            "customer_id": customer_id,
            "action": action,
            "roles": list(principal.roles),
            "refused": "not bound to this customer",
        },
    )


def _refusal(principal: Principal, action: Action, subject: str) -> AccessRefused:
    verb = "read" if action == "read" else "act on"
    return AccessRefused(f"Access refused: {principal.user_id} may not {verb} {subject}.")


@contextmanager
def existence_hidden(what: str, subject: str, action: Action = "read") -> Iterator[None]:
    """Around reading a record addressed by its own id (``subject``: "invoice INV-1"): for a caller
    bound to some customers, a record that does not exist or cannot be read answers the refusal
    another customer's record gets (audited alike), so refusals do not tell which ids exist. Staff
    see the ERP's own answer."""
    try:
        yield
    except RecordUnavailable:
        principal = current_principal()
        if principal.staff or ALL_CUSTOMERS in principal.customers:
            raise
        audit_refusal(principal, what, "unknown", action)
        raise _refusal(principal, action, subject) from None


def check_customer(
    customer_id: str, what: str, action: Action = "read", *, subject: str | None = None
) -> Principal:
    """Raise :class:`AccessRefused` (audited) unless the current run's principal may ``action`` the
    data of ``customer_id``; ``what`` names the tool or step, ``subject`` what was asked for when it is
    not the customer (an order, an invoice: the refusal must not say whose it is). Returns the principal."""
    principal = current_principal()
    if allowed(principal, customer_id, action):
        return principal
    audit_refusal(principal, what, customer_id, action)
    raise _refusal(principal, action, subject or f"customer {customer_id.strip().upper()}'s data")


def proposal_refusal(tool: str, args: Mapping[str, Any]) -> str | None:
    """The refusal of proposing an approval-gated action on another customer (``args['customer_id']``),
    or ``None``: a caller may not ask an approver to act for a customer it is not bound to, so the
    request ends here (audited) instead of becoming a ticket an approver could approve by mistake."""
    customer_id = args.get("customer_id")
    if not isinstance(customer_id, str) or not customer_id.strip():
        return None
    try:
        check_customer(customer_id, tool, "write")
    except AccessRefused as refused:
        return refused.message
    return None
