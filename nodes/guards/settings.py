"""The crew spec's ``guards`` section: limits, detector choice, PII policy and output thresholds."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["GuardSettings", "PiiSettings"]

PolicyAction = Literal["pass", "redact", "block", "escalate"]


class PiiSettings(BaseModel):
    """What happens to personal data and secrets found in a request, a tool output or an answer."""

    model_config = ConfigDict(extra="forbid")

    on_input: Literal["redact", "block", "escalate", "pass"] = Field(
        default="redact",
        description="redact: reversible placeholders go to the model and to storage; the user sees values",
    )
    on_secret: Literal["redact", "block", "escalate"] = Field(
        default="redact", description="cloud keys, tokens, private keys, JWTs in a request"
    )
    on_output: Literal["redact", "block", "escalate"] = Field(
        default="redact", description="personal data in an answer that the user did not give"
    )
    show_tool_values: bool = Field(
        default=True,
        description="personal data this request's tools returned is shown to the user (stored as "
        "placeholders); false: placeholders for the user too. Secrets are never shown",
    )
    persist_raw: bool = Field(
        default=False,
        description="True: checkpoints keep raw values (no serializer pseudonymisation); off by default",
    )
    types: list[str] | None = Field(
        default=None, description="entity types to act on (None: every type the detector covers)"
    )


class GuardSettings(BaseModel):
    """The crew spec's ``guards`` section."""

    model_config = ConfigDict(extra="forbid")

    max_request_chars: int = Field(default=20_000, gt=0)
    custom: list[str] = Field(
        default_factory=list,
        description="'package.module:attr' import paths of guard objects run after the built-in ones",
    )
    strip_markup: bool = True
    detector: str = Field(
        default="builtin",
        description="'builtin', a path to a model trained with `crewline guard train`, or 'hub:PATH'",
    )
    injection_threshold: float | None = Field(
        default=None, ge=0, le=1, description="None: the detector's own calibrated threshold"
    )
    on_injection: Literal["block", "escalate"] = "block"
    on_tool_injection: Literal["block", "escalate", "redact"] = Field(
        default="redact", description="tool output that looks like an injection: redact withholds it"
    )
    pii: PiiSettings = Field(default_factory=PiiSettings)
    confidence_threshold: float = Field(default=0.35, ge=0, le=1, description="below: escalate to a human")
    groundedness_threshold: float = Field(default=0.5, ge=0, le=1)
