"""The crew spec's ``models`` section and what the environment says about models.

Split from :mod:`crewline.nodes.models.factory` (which re-exports both): the settings are read by
the spec loader and the servers without building any model.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from crewline.memory.learning.rollout import RolloutThresholds
from crewline.nodes.models.breaker import BreakerSettings
from crewline.nodes.models.budget import BudgetSettings
from crewline.nodes.models.prices import Price
from crewline.nodes.models.providers import normalize_provider, providers
from crewline.nodes.models.resilience import ChainPolicy

__all__ = ["ModelEnvironment", "ModelSettings"]


class ModelSettings(BaseModel):
    """The crew spec's ``models`` section."""

    model_config = ConfigDict(extra="forbid")

    provider: str = Field(
        default="auto",
        description=(
            "auto: the model path where a model can be reached (see the factory); offline: never; "
            "or an init_chat_model provider (openai, anthropic, ollama, ...) for bare model names"
        ),
    )
    model: str = Field(default="gpt-4o-mini", description="'provider:model' or a bare name")
    fallback_model: str | list[str] | None = None
    temperature: float = 0.0
    timeout_s: float = Field(default=30.0, gt=0, description="one HTTP request")
    max_retries: int = Field(default=2, ge=0, le=10, description="retries of an infra error, per model")
    backoff_s: float = Field(default=0.5, ge=0, description="first retry delay (doubles, jittered)")
    backoff_max_s: float = Field(default=8.0, ge=0)
    retry_after_max_s: float = Field(default=20.0, ge=0, description="a longer Retry-After: next model")
    run_timeout_s: float = Field(default=120.0, gt=0, description="no model call starts after this")
    max_completion_tokens: int = Field(default=1024, ge=16, description="max_tokens of each request")
    max_completion_chars: int = Field(default=32_000, ge=100, description="longer: bad output")
    max_tool_steps: int = Field(default=4, ge=1, le=20, description="bound of a specialist's tool loop")
    local_tool_calls: bool = Field(
        default=True,
        description="a tool call the local router is sure of (choice and arguments, no approval) runs "
        "without a model decision; the model is asked once, to answer. false: the model always chooses",
    )
    budgets: BudgetSettings = Field(default_factory=BudgetSettings)
    prices: dict[str, Price] = Field(
        default_factory=dict,
        description="per-million-token prices by 'model' or 'provider:model', over genai-prices' table",
    )
    breaker: BreakerSettings = Field(default_factory=BreakerSettings)
    rollout: RolloutThresholds = Field(
        default_factory=RolloutThresholds,
        description="when a canary (or a learned router) is rolled back automatically (crewline models)",
    )

    @field_validator("provider")
    @classmethod
    def _known_provider(cls, value: str) -> str:
        name = normalize_provider(value)
        if name in ("auto", "offline") or name in providers():
            return name
        known = ", ".join(sorted(providers()))
        raise ValueError(f"unknown provider {value!r}: use auto, offline or one of {known}")

    @property
    def fallback_models(self) -> list[str]:
        if self.fallback_model is None:
            return []
        return [self.fallback_model] if isinstance(self.fallback_model, str) else list(self.fallback_model)

    def policy(self) -> ChainPolicy:
        return ChainPolicy(
            max_retries=self.max_retries,
            backoff_s=self.backoff_s,
            backoff_max_s=self.backoff_max_s,
            retry_after_max_s=self.retry_after_max_s,
            timeout_s=self.timeout_s,
            run_timeout_s=self.run_timeout_s,
            max_completion_tokens=self.max_completion_tokens,
            max_completion_chars=self.max_completion_chars,
        )


class ModelEnvironment(BaseSettings):
    """What the environment says about models (read fresh on every factory call)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    openai_api_key: str | None = None
    openai_base_url: str | None = None
    crewline_model: str | None = None
    crewline_fallback_model: str | None = None
