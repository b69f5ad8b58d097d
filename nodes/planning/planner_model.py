"""The planner's second opinion on an unsure clause: the user's router, or one structured-output call
to the chat model (``RouteChoice``); ``None`` when there is neither or it failed, so the local
decision stands."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

from langchain_core.messages import AnyMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from crewline.nodes.models.factory import ModelChain
from crewline.nodes.planning.routing_protocol import aroute
from crewline.nodes.sync_async import Step, Steps

__all__ = ["Answer", "RouteChoice", "ask_steps"]

log = logging.getLogger(__name__)

Answer = tuple[str | None, float] | None  # (route or None for none, confidence); None: no answer


class RouteChoice(BaseModel):
    """The model's routing decision for one clause."""

    specialist: str = Field(
        description="the name of the specialist that should handle the request, or 'none'"
    )
    confidence: float = Field(ge=0, le=1, description="how sure you are, from 0 to 1")


def route_messages(descriptions: Mapping[str, str], clause: str) -> list[AnyMessage]:
    """The chat model's routing prompt for ``clause`` over the specialists' descriptions."""
    catalogue = "\n".join(f"- {name}: {text}" for name, text in descriptions.items())
    return [
        SystemMessage(
            "Route the customer request to exactly one specialist, or 'none' if no specialist "
            f"can handle it.\nSpecialists:\n{catalogue}"
        ),
        HumanMessage(clause),
    ]


def _choice(descriptions: Mapping[str, str], choice: Any) -> Answer:
    """The model's ``RouteChoice`` as (route, confidence); a name no specialist has is none."""
    if not isinstance(choice, RouteChoice):
        return None
    name = choice.specialist.strip().lower()
    return (name if name in descriptions else None), float(choice.confidence)


def _scores_choice(scores: Any) -> Answer:
    """A router's ``RouteScores`` as the planner's (route, confidence)."""
    return scores.route, float(scores.confidence)


def _kept_local(exc: Exception) -> Answer:
    """No model answer for a clause (logged): its local route stands."""
    log.warning(
        "model routing failed, keeping the local route: %s", str(exc).splitlines()[0] if str(exc) else exc
    )
    return None


def ask_steps(
    clause: str, *, second_opinion: Any, model: ModelChain | None, descriptions: Mapping[str, str]
) -> Steps[Answer]:
    """A second opinion on an unsure clause: the user's router if given, else the chat model;
    ``None`` when there is neither, or when it failed (then the local decision stands)."""
    convert: Callable[[Any], Answer]
    if second_opinion is not None:
        router = second_opinion
        ask: Step[Any] = Step(lambda: router.route(clause), lambda: aroute(router, clause))
        convert = _scores_choice
    elif model is not None:
        runnable, messages = model.with_structured_output(RouteChoice), route_messages(descriptions, clause)
        ask = Step(lambda: runnable.invoke(messages), lambda: runnable.ainvoke(messages))
        convert = functools.partial(_choice, descriptions)
    else:
        return None
    try:
        return convert((yield ask))
    except Exception as exc:  # provider, output or router errors: keep the local decision
        return _kept_local(exc)
