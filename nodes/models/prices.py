"""What a model's tokens cost: the crew spec's ``models.prices`` first, then genai-prices' table.

genai-prices (pydantic's maintained table of LLM prices for every major provider) ships its data in
the package; crewline reads only that bundled snapshot and never starts its ``UpdatePrices``
fetcher, so no price is downloaded at run time and a build today prices like a build offline.

Budgets reserve a call's worst case from per-million-token rates, so a model's rates are read off
the table at a small request (a provider's long-context tier, e.g. above 200k prompt tokens, is not
what a crew's calls pay). A model neither the spec nor the table knows (a local server's model)
costs nothing, said once per model in the log.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Price", "PriceTable", "catalogue_price"]

log = logging.getLogger(__name__)

_SAMPLE_TOKENS = 1_000  # small enough to stay in every provider's base tier


class Price(BaseModel):
    """US dollars per million tokens."""

    model_config = ConfigDict(extra="forbid")

    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input_per_mtok + completion_tokens * self.output_per_mtok) / 1e6


def _per_mtok(model: str, provider: str | None, part: Literal["input", "output"]) -> float:
    from genai_prices import Usage, calc_price  # 0.1 s to import: only once a price is needed

    usage = Usage(**{f"{part}_tokens": _SAMPLE_TOKENS})
    calc = calc_price(usage, model, provider_id=provider)
    return float(getattr(calc, f"{part}_price")) * 1e6 / _SAMPLE_TOKENS


@functools.cache
def catalogue_price(model: str, provider: str | None = None) -> Price | None:
    """genai-prices' rates for ``model`` (``provider``: a LangChain or genai-prices provider name;
    ``None``: matched by the model name). ``None``, logged once, when the table has no such model.

    A model is never looked up under another provider: a local server's ``llama3`` costs nothing,
    not what a hosted Llama costs.
    """
    try:
        return Price(
            input_per_mtok=_per_mtok(model, provider, "input"),
            output_per_mtok=_per_mtok(model, provider, "output"),
        )
    except (LookupError, ValueError):  # not in the table: a cost budget must not crash the call
        where = f" of provider {provider!r}" if provider else ""
        log.warning(
            "no price known for model %r%s: its calls count as $0 against cost budgets "
            "(add it under models.prices)",
            model,
            where,
        )
        return None


class PriceTable:
    """The spec's prices (keyed ``model`` or ``provider:model``) over genai-prices' table."""

    def __init__(self, overrides: Mapping[str, Price] | None = None) -> None:
        self.overrides = dict(overrides or {})

    def price(self, model: str, provider: str | None = None) -> Price | None:
        if provider and (own := self.overrides.get(f"{provider}:{model}")) is not None:
            return own
        if (own := self.overrides.get(model)) is not None:
            return own
        return catalogue_price(model, provider)
