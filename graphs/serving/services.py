"""The serving layer's shared objects, one set per server process: keys, audit log, rate limiter,
metrics, alerts; and turning a credential into an identity (API key, or a JWT when configured).
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

from crewline.graphs.serving.audit_redaction import redact_for_audit
from crewline.graphs.serving.settings import ServingSettings
from crewline.memory.operations.alerts import (
    DEFAULT_RULES,
    AlertMonitor,
    AlertRule,
    AlertSink,
    LogSink,
    WebhookSink,
)
from crewline.memory.operations.audit import AuditLog, open_audit_log
from crewline.memory.operations.keys import ROLES, KeyStore, default_key_store
from crewline.memory.operations.metrics import Metrics, default_metrics
from crewline.memory.operations.ratelimit import RateDecision, RateLimiter, parse_limit
from crewline.memory.state.access import parse_customers

__all__ = [
    "ROLE_PERMISSIONS",
    "Identity",
    "Refusal",
    "Services",
    "credential",
    "get_services",
    "reset_services",
]

# What each role may do beyond its own threads.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "user": (),
    "approver": ("tenant:read", "escalations:approve"),
    "admin": ("tenant:read", "tenant:write", "escalations:approve"),
}


@dataclass(frozen=True)
class Identity:
    user_id: str
    tenant_id: str
    roles: tuple[str, ...]
    via: str  # "api_key" or "jwt"
    key_id: str | None = None
    permissions: tuple[str, ...] = field(default=())
    customers: tuple[str, ...] = ()  # the customers it may act for (crewline.memory.state.access)

    def as_user(self) -> dict[str, Any]:
        """The ``MinimalUserDict`` the server keeps as ``ctx.user``."""
        return {
            "identity": self.user_id,
            "display_name": self.user_id,
            "is_authenticated": True,
            "permissions": list(self.permissions),
            "tenant_id": self.tenant_id,
            "roles": list(self.roles),
            "via": self.via,
            "customers": list(self.customers),
        }


@dataclass(frozen=True)
class Refusal:
    """Why a request is not admitted: 401 (no or bad credentials) or 429 (rate limited)."""

    status: int
    detail: str
    headers: dict[str, str]


def credential(headers: Mapping[bytes, bytes]) -> str | None:
    """The key or token in ``x-api-key: KEY`` or ``Authorization: Bearer KEY``."""
    key = headers.get(b"x-api-key")
    if key:
        return key.decode("latin-1").strip() or None
    authorization = headers.get(b"authorization", b"").decode("latin-1").strip()
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def _permissions(roles: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({p for role in roles for p in ROLE_PERMISSIONS.get(role, ())}))


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("eyJ")


class Services:
    """Everything the auth handler, the observer and the routes share."""

    def __init__(self, settings: ServingSettings | None = None) -> None:
        self.settings = settings or ServingSettings()
        self.keys: KeyStore = default_key_store()
        self.audit: AuditLog = open_audit_log(redactor=redact_for_audit)
        self.metrics: Metrics = default_metrics()
        self.limiter = RateLimiter(
            user=parse_limit(self.settings.rate_limit_user),
            tenant=parse_limit(self.settings.rate_limit_tenant),
            auth_failures=parse_limit(self.settings.rate_limit_auth_failures),
            redis_url=self.settings.redis_url,
            prefix=self.settings.rate_limit_prefix,
        )
        sinks: list[AlertSink] = [LogSink()]
        if self.settings.alert_webhook:
            sinks.append(WebhookSink(self.settings.alert_webhook))
        rules = [
            AlertRule(
                r.name,
                r.signal,
                r.op,
                r.threshold,
                window_s=self.settings.alert_window_s,
                min_samples=self.settings.alert_min_samples,
            )
            for r in DEFAULT_RULES
        ]
        self.alerts = AlertMonitor(rules, sinks)
        self._jwt_key, self._jwt_algorithms = self._jwt_config()

    def _jwt_config(self) -> tuple[str | None, list[str]]:
        s = self.settings
        algorithms = [a.strip() for a in s.jwt_algorithms.split(",") if a.strip()]
        if s.jwt_public_key:
            text = s.jwt_public_key
            if "-----BEGIN" not in text:
                text = Path(text).expanduser().read_text()
            return text, algorithms or ["RS256", "ES256"]
        if s.jwt_secret:
            return s.jwt_secret, algorithms or ["HS256"]
        return None, []

    def record_alert_signal(self, signal: Any, value: float) -> None:
        for event in self.alerts.record(signal, value):
            self.metrics.alerts.labels(event.rule).set(1 if event.state == "firing" else 0)

    def identify_key(self, token: str) -> Identity | None:
        """The identity of an API key (a blocking SQLite read: call it off the event loop)."""
        found = self.keys.lookup(token)
        if found is None:
            return None
        roles = (found.role,)
        permissions = _permissions(roles)
        return Identity(
            found.user_id, found.tenant_id, roles, "api_key", found.key_id, permissions, found.customers
        )

    def identify_jwt(self, token: str) -> Identity | None:
        """The identity in a JWT signed with the configured key, or ``None`` (bad or expired token)."""
        if self._jwt_key is None:
            return None
        s = self.settings
        try:
            claims = jwt.decode(
                token,
                self._jwt_key,
                algorithms=self._jwt_algorithms,
                audience=s.jwt_audience,
                issuer=s.jwt_issuer,
                options={"require": ["sub", "exp"], "verify_aud": s.jwt_audience is not None},
            )
        except jwt.PyJWTError:
            return None
        tenant = claims.get(s.jwt_tenant_claim)
        raw_roles = claims.get(s.jwt_roles_claim, ["user"])
        roles = tuple(r for r in ([raw_roles] if isinstance(raw_roles, str) else raw_roles) if r in ROLES)
        if not isinstance(tenant, str) or not tenant or not isinstance(claims["sub"], str):
            return None
        roles = roles or ("user",)
        # the customers claim: ids or "*"; staff roles act for the whole tenant whatever it says
        customers = parse_customers(claims.get("customers"))
        return Identity(claims["sub"], tenant, roles, "jwt", None, _permissions(roles), customers)

    async def identify(self, token: str) -> Identity | None:
        if looks_like_jwt(token):
            return self.identify_jwt(token)
        return await asyncio.to_thread(self.identify_key, token)

    async def admit(
        self, headers: Mapping[bytes, bytes], client: str | None = None, cost: int = 1
    ) -> Identity | Refusal:
        """Authenticate a request's headers, then apply the user's and the tenant's rate limits.

        ``client`` is the caller's address: its failed authentications are limited, and past the
        limit it is refused (429) whether its next key is good or not, so a key guesser learns
        nothing more. ``cost`` is how many runs the request creates (a batch: one token per run).
        """
        address = client or "unknown"
        token = credential(headers)
        if token is None:
            self.metrics.auth_failures.labels("missing").inc()
            return Refusal(
                401, "missing credentials: send x-api-key: KEY or Authorization: Bearer KEY", _BEARER
            )
        identity = await self.identify(token)
        if identity is None:
            self.metrics.auth_failures.labels("invalid").inc()
            counted = await self.limiter.record_failure(address)
            if not counted.allowed:
                return self._refused(counted)
            return Refusal(401, "invalid, expired or revoked credentials", _BEARER)
        limits = (self.limiter.user, self.limiter.tenant)
        too_many = next((limit for limit in limits if cost > limit.capacity), None)
        if too_many is not None:  # could never be admitted: say so rather than "retry later"
            self.metrics.rate_limited.labels("batch").inc()
            return Refusal(
                429,
                f"{cost} runs in one request is more than the rate limit allows ({too_many}); "
                "send smaller batches",
                {"Retry-After": str(max(1, math.ceil(too_many.period_s)))},
            )
        decision = await self.limiter.acquire(identity.user_id, identity.tenant_id, cost, address=address)
        if not decision.allowed:
            return self._refused(decision, cost)
        return identity

    def _refused(self, decision: RateDecision, cost: int = 1) -> Refusal:
        scope = decision.scope or "user"
        self.metrics.rate_limited.labels(scope).inc()
        retry = decision.retry_after_header
        if scope == "address":
            detail = f"too many failed authentications from this address; retry in {retry}s"
        else:
            what = f" ({cost} runs)" if cost > 1 else ""
            detail = f"rate limit exceeded for this {scope}{what}; retry in {retry}s"
        return Refusal(429, detail, {"Retry-After": retry})


_BEARER = {"WWW-Authenticate": "Bearer"}
_services: Services | None = None
_lock = threading.Lock()


def get_services() -> Services:
    """The process's services (created from the environment on first use)."""
    global _services
    with _lock:
        if _services is None:
            _services = Services()
        return _services


def reset_services(services: Services | None = None) -> None:
    """Replace (or drop) the process's services: for tests and benchmarks."""
    global _services
    with _lock:
        _services = services
