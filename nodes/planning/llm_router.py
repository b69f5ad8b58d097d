"""``LLMRouter``: a chat model picks the route and says how sure it is; sync and async.

One structured-output call per text (a :class:`RouteDecision`), through crewline's
:class:`~crewline.nodes.models.factory.ModelChain` when given one (budgets, breakers, retries,
fallback models) or any ``BaseChatModel``'s ``with_structured_output``. The answer ``none`` is out of
scope (``route=None`` with the model's confidence that it is); a route name the model invented is
out of scope with confidence 0, so whoever asked treats it as unsure, never as a decision.

A model call costs far more than the local router, so a crew asks it only about clauses the local
router is unsure of (:class:`~crewline.nodes.planning.cascade.CascadeRouter`), never while splitting
a request into clauses. A call that yields no usable answer raises
:class:`~crewline.errors.RunError`; a cascade then keeps the answer of the stage before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel, Field, ValidationError

from crewline.errors import ConfigurationError, CrewlineError, RunError
from crewline.nodes.models.factory import ModelChain
from crewline.nodes.planning.routing_protocol import RouteScores

__all__ = ["NONE", "LLMRouter", "RouteDecision"]

NONE = "none"
_INSTRUCTIONS = (
    "Route the user's request to exactly one of the routes below, or answer 'none' if no route can "
    "handle it. Give the route's name exactly as written and how sure you are, from 0 to 1."
)


class RouteDecision(BaseModel):
    """The model's routing decision for one text."""

    route: str = Field(description="the name of the route that should handle the request, or 'none'")
    confidence: float = Field(ge=0, le=1, description="how sure you are, from 0 to 1")


class LLMRouter:
    """Routes with a chat model. ``routes``: ``{name: description}`` (a description lets the model
    tell routes apart; a bare list of names works too). ``instructions`` replace the default system
    prompt's first paragraph; the route catalogue is always appended."""

    name = "llm"

    def __init__(
        self,
        model: ModelChain | BaseChatModel,
        routes: Mapping[str, str] | Sequence[str],
        *,
        instructions: str | None = None,
    ) -> None:
        if isinstance(routes, str):
            raise ConfigurationError("LLMRouter routes must be a list of names or {name: description}")
        described = dict(routes) if isinstance(routes, Mapping) else {name: "" for name in routes}
        names = [str(name).strip() for name in described]
        if not names or not all(names):
            raise ConfigurationError("LLMRouter needs at least one route, each with a non-empty name")
        folded = [name.lower() for name in names]
        if len(set(folded)) != len(folded) or NONE in folded:
            raise ConfigurationError(
                f"LLMRouter route names must be unique (ignoring case) and not {NONE!r}: {', '.join(names)}"
            )
        if not isinstance(model, (ModelChain, BaseChatModel)):
            raise ConfigurationError(
                f"LLMRouter model must be a chat model or a ModelChain, not {type(model).__name__}"
            )
        self.model = model
        self.descriptions: dict[str, str] = {
            name: str(text) for name, text in zip(names, described.values(), strict=True)
        }
        self._by_folded = dict(zip(folded, names, strict=True))
        self.instructions = instructions or _INSTRUCTIONS
        try:
            self._ask: Runnable[Any, Any] = model.with_structured_output(RouteDecision)
        except NotImplementedError:
            raise ConfigurationError(
                f"LLMRouter: {type(model).__name__} cannot give structured output (tool calling)"
            ) from None

    @property
    def routes(self) -> list[str]:
        return list(self.descriptions)

    def messages(self, text: str) -> list[AnyMessage]:
        """What the model sees for ``text``."""
        catalogue = "\n".join(
            f"- {name}: {description}" if description else f"- {name}"
            for name, description in self.descriptions.items()
        )
        return [SystemMessage(f"{self.instructions}\nRoutes:\n{catalogue}"), HumanMessage(text)]

    def decide(self, decision: object) -> RouteScores:
        """The scores a model's decision means (see the module doc for ``none`` and invented names)."""
        if isinstance(decision, Mapping):
            try:
                decision = RouteDecision.model_validate(decision)
            except ValidationError as exc:
                raise RunError(f"LLM router: the model's decision is invalid: {_first_line(exc)}") from None
        if not isinstance(decision, RouteDecision):
            raise RunError(f"LLM router: the model gave no route decision ({type(decision).__name__})")
        said = decision.route.strip().strip("'\"").lower()
        route = self._by_folded.get(said)
        scores = dict.fromkeys(self.descriptions, 0.0)
        if route is not None:
            scores = {route: float(decision.confidence), **{k: v for k, v in scores.items() if k != route}}
            return RouteScores(route, float(decision.confidence), scores, self.name)
        confidence = float(decision.confidence) if said in (NONE, "") else 0.0
        return RouteScores(None, confidence, scores, self.name)

    def route(self, text: str) -> RouteScores:
        try:
            decision = self._ask.invoke(self.messages(text))
        except CrewlineError:
            raise  # the chain's own ModelUnavailable (a RunError), or a configuration error
        except Exception as exc:
            raise RunError(f"LLM router: the model call failed: {_first_line(exc)}") from exc
        return self.decide(decision)

    async def aroute(self, text: str) -> RouteScores:
        try:
            decision = await self._ask.ainvoke(self.messages(text))
        except CrewlineError:
            raise
        except Exception as exc:
            raise RunError(f"LLM router: the model call failed: {_first_line(exc)}") from exc
        return self.decide(decision)

    def __repr__(self) -> str:
        return f"LLMRouter(routes={self.routes})"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
