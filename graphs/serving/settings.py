"""Settings of the serving layer, from the environment (``CREWLINE_*``), read once per process."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ServingSettings"]


def _shared_rate_limit_url() -> str | None:
    """Rate limits move with the rest of the shared state (``CREWLINE_STATE_URL``); a bad URL is
    raised as it is (one line), not as a settings validation error."""
    from crewline.memory.shared.urls import configured_state_url

    return configured_state_url("ratelimit")


class ServingSettings(BaseSettings):
    """How the server authenticates, limits, audits and alerts.

    Rate limits are ``N/PERIOD`` (``120/min``, ``5/s``). JWTs are accepted only when a verification
    key is configured: ``jwt_secret`` (HMAC) or ``jwt_public_key`` (PEM text or a path to it).
    """

    model_config = SettingsConfigDict(env_prefix="CREWLINE_", extra="ignore")

    checkpoint_url: str | None = Field(
        default=None,
        description="the server's checkpoints (crewline.graphs.serving.checkpointer); unset: SQLite",
    )
    rate_limit_user: str = "120/min"
    rate_limit_tenant: str = "1200/min"
    # per client address: a key-guessing client is slowed (its requests wait, valid keys included)
    rate_limit_auth_failures: str = "30/min"
    redis_url: str | None = Field(
        default_factory=lambda: _shared_rate_limit_url(),
        description="shared rate limits: CREWLINE_REDIS_URL, else CREWLINE_RATELIMIT_URL or "
        "CREWLINE_STATE_URL (Redis, PostgreSQL or SQLite); unset: in-process",
    )
    rate_limit_prefix: str = Field(
        default="crewline:rl", min_length=1, description="Redis key prefix (servers sharing a Redis)"
    )
    max_body_bytes: int = Field(
        default=1 << 20, ge=1024, description="largest request body on any route (413 above it)"
    )

    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    jwt_algorithms: str = Field(default="", description="comma-separated; default HS256 or RS256/ES256")
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    jwt_tenant_claim: str = "tenant"
    jwt_roles_claim: str = "roles"

    alert_webhook: str | None = None
    alert_window_s: float = Field(default=300.0, gt=0)
    alert_min_samples: int = Field(default=10, ge=1)

    price_prompt_per_1k: float = Field(default=0.00015, ge=0, description="USD per 1K prompt tokens")
    price_completion_per_1k: float = Field(default=0.0006, ge=0, description="USD per 1K completion tokens")
