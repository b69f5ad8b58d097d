"""The plan node: decompose the request into clauses and route each to a specialist, or to none.

Routing is local (``Router``); only a clause the router is unsure of goes to the chat model, when one
is configured, as one structured-output call for that clause alone. With no model an unsure clause
keeps its low confidence and the confidence gate escalates it. Clauses that ask nothing (who the
customer is, a greeting or thanks, "close nothing yet") are dropped beside a request; a message of
courtesies alone becomes one ``courtesy`` subtask that synthesis answers in kind, with no specialist
and no ticket.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.messages import AnyMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, Field

from crewline.errors import ConfigurationError
from crewline.nodes.guards.vault import PLACEHOLDER
from crewline.nodes.models.factory import ModelChain
from crewline.nodes.planning.courtesy import asks_nothing, is_courtesy
from crewline.nodes.planning.decompose import Clause, split_request
from crewline.nodes.planning.documents import (
    Vocabulary,
    asks_how_to,
    covering_route,
    folder_vocabulary,
    resolve_folder,
)
from crewline.nodes.planning.extract import extract_entities
from crewline.nodes.planning.margin_cascade import semantic_refiner
from crewline.nodes.planning.one_per_route import Located, one_per_route, spans_in
from crewline.nodes.planning.router import Router, RouteScore
from crewline.nodes.planning.router_cache import fit_router
from crewline.nodes.planning.routing_protocol import aroute
from crewline.nodes.stop_words import english_stop_words
from crewline.nodes.sync_async import Step, Steps, adrive, drive
from crewline.nodes.types import Subtask, Usage

__all__ = ["Plan", "Planner", "PlannerSettings", "RouteChoice", "RouteExamples", "build_planner"]

log = logging.getLogger(__name__)

_IDENTIFYING_WORDS = frozenset(
    {
        "customer",
        "id",
        "number",
        "account",
        "name",
        "i'm",
        "am",
        "is",
        "here",
        "this",
        "email",
        "e-mail",
        "phone",
        "mobile",
        "address",
        "card",
    }
)
_QUESTION = re.compile(r"\s*(what|which|who|when|where|why|how|is|are|do|does|can|could)\b", re.I)


class PlannerSettings(BaseModel):
    """The crew spec's ``planner`` section."""

    model_config = ConfigDict(extra="forbid")

    threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="route confidence below which a clause is unsure (None: guards')",
    )
    unsure_router: str | None = Field(
        default=None,
        description="'package.module:attr' of a router asked about unsure clauses instead of the model",
    )
    router: str | None = Field(
        default=None,
        description=(
            "path of a router artifact (`crewline router fit`) to load instead of fitting one from the "
            "specialists' examples; its routes must be the crew's specialist names"
        ),
    )
    documents: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "specialist name -> folder of the documents it answers from (a path or 'package.module:ATTR'): "
            "a clause no route takes goes to the specialist whose documents hold every word of it"
        ),
    )


@dataclass(frozen=True)
class RouteExamples:
    """What the router learns a specialist from."""

    name: str
    description: str
    examples: Sequence[str]


class RouteChoice(BaseModel):
    """The model's routing decision for one clause."""

    specialist: str = Field(
        description="the name of the specialist that should handle the request, or 'none'"
    )
    confidence: float = Field(ge=0, le=1, description="how sure you are, from 0 to 1")


@dataclass(frozen=True)
class Plan:
    subtasks: list[Subtask]
    context: dict[str, str]
    usage: Usage


@dataclass
class Planner:
    router: Router
    descriptions: Mapping[str, str]  # specialist name -> description
    entity_patterns: Mapping[str, re.Pattern[str]] = field(default_factory=dict)
    model: ModelChain | None = None
    threshold: float = 0.35
    # A router of the user's (crewline.nodes.planning.routing_protocol.Router) asked about the clauses
    # the local router is unsure of, instead of the chat model: an LLMRouter, a semantic cascade, ...
    second_opinion: Any = None
    # With the semantic extra: a MarginCascade over ``router`` that re-scores the clauses the
    # lexical router is least sure of (crewline.nodes.planning.margin_cascade).
    semantic: Any = None
    # Per specialist that answers from documents: their content words (``documents.covering_route``).
    documents: Mapping[str, Vocabulary] = field(default_factory=dict)

    def _route(self, clause: str) -> list[AnyMessage]:
        catalogue = "\n".join(f"- {name}: {text}" for name, text in self.descriptions.items())
        return [
            SystemMessage(
                "Route the customer request to exactly one specialist, or 'none' if no specialist "
                f"can handle it.\nSpecialists:\n{catalogue}"
            ),
            HumanMessage(clause),
        ]

    def _choice(self, choice: Any) -> tuple[str | None, float] | None:
        if not isinstance(choice, RouteChoice):
            return None
        name = choice.specialist.strip().lower()
        return (name if name in self.descriptions else None), float(choice.confidence)

    def _ask_steps(self, clause: str) -> Steps[tuple[str | None, float] | None]:
        """A second opinion on an unsure clause: the user's router if given, else the chat model;
        ``None`` when there is neither, or when it failed (then the local decision stands)."""
        convert: Callable[[Any], tuple[str | None, float] | None]
        if self.second_opinion is not None:
            router = self.second_opinion
            ask: Step[Any] = Step(lambda: router.route(clause), lambda: aroute(router, clause))
            convert = _scores_choice
        elif self.model is not None:
            runnable, messages = self.model.with_structured_output(RouteChoice), self._route(clause)
            ask = Step(lambda: runnable.invoke(messages), lambda: runnable.ainvoke(messages))
            convert = self._choice
        else:
            return None
        try:
            return convert((yield ask))
        except Exception as exc:  # provider, output or router errors: keep the local decision
            return _kept_local(exc)

    def _ask_model(self, clause: str) -> tuple[str | None, float] | None:
        return drive(self._ask_steps(clause))

    async def _aask_model(self, clause: str) -> tuple[str | None, float] | None:
        return await adrive(self._ask_steps(clause))

    def _only_identifies(self, text: str) -> bool:
        """True for a clause that only says who the customer is ("I am customer C-1001.")."""
        if "?" in text or _QUESTION.match(text):
            return False  # "what email do you have for C-1001?" asks; it does not introduce
        # The input guard's placeholders ("[EMAIL_ADDRESS_3f9a1c2e]") identify as much as an id does.
        stripped, found = PLACEHOLDER.subn(" ", text)
        for pattern in self.entity_patterns.values():
            stripped, more = pattern.subn(" ", stripped)
            found += more
        if not found:
            return False
        words = set(re.findall(r"[a-z']+", stripped.lower())) - _IDENTIFYING_WORDS
        return not (words - english_stop_words())

    def _courtesy(self, clause: Clause) -> bool:
        """A greeting or thanks that no specialist claims (a crew may have one for small talk)."""
        return self._unsure(clause) and is_courtesy(clause.text)

    def _aside(self, clause: Clause) -> bool:
        """A part that asks nothing: it may be cut off wherever it stands ("Hi, I'm customer C-1002.",
        "Please close nothing yet —")."""
        return self._only_identifies(clause.text) or self._courtesy(clause) or asks_nothing(clause.text)

    def _second_look(self, clause: Clause) -> Clause:
        """``clause`` as the plan routes it: the semantic stage re-scores it when the lexical router
        is unsure or chose it by function words (every clause of a one-route crew: its lexical score
        is only closeness to a few examples; a user's own router for unsure clauses, second_opinion,
        replaces the stage), then documents claim it when no route took it."""
        semantic = self.semantic is not None and self.second_opinion is None
        semantic = semantic and self.semantic.lexical is self.router
        if (
            semantic
            and (len(self.router.routes) < 2 or self._unsure(clause) or self._by_function_words(clause))
            and not is_courtesy(clause.text)  # "Hi there" stays none
        ):
            clause = Clause(clause.text, self.semantic.refine(clause.text, clause.score))
        return self._documented(clause) if self.documents else clause

    def route_clause(self, text: str) -> RouteScore:
        """One clause (not split) routed as a plan routes its clauses."""
        return self._second_look(Clause(text, self.router.route(text))).score

    def _clauses(self, request: str) -> list[Clause]:
        clauses = split_request(request, self.router.route, threshold=self.threshold, aside=self._aside)
        clauses = [self._second_look(c) for c in clauses]
        if len(clauses) < 2:
            return clauses
        # An identification is context for the other clauses, a courtesy nothing: neither is a request.
        kept: list[Located] = []
        after_aside = False  # the words before a clause that follows a dropped aside are not its link
        for clause, span in zip(clauses, spans_in(request, clauses), strict=True):
            if self._aside(clause):
                after_aside = True
                continue
            kept.append(Located(clause, span, linked=not after_aside))
            after_aside = False
        return one_per_route(request, kept) if kept else clauses

    def _documented(self, clause: Clause) -> Clause:
        """A clause no route took, or a how-to question a specialist without documents took, given to
        the one specialist whose documents hold all its words, just sure enough to go without a
        second opinion (``documents``)."""
        # A how-to question is answered from documents, not by a specialist that acts on records, even
        # in that specialist's words ("how do I change my billing address" is no billing request).
        how_to = asks_how_to(clause.text) and clause.score.route not in self.documents
        if (clause.score.route is not None and not how_to) or self._aside(clause):
            return clause
        route = covering_route(clause.text, self.documents)
        if route is None:
            return clause
        score = clause.score
        confidence = max(self.threshold, dict(score.ranking).get(route, 0.0))
        return Clause(clause.text, RouteScore(route, confidence, score.similarity, score.ranking))

    def _by_function_words(self, clause: Clause) -> bool:
        """A clause whose route shares no content word with that route's examples: function words
        chose it ("how do I jump start a car battery" for a help centre whose examples ask "how do
        I ..."), however sure the lexical score, so the semantic stage judges it too."""
        route = clause.score.route
        return route is not None and not self.router.shares_content(clause.text, route)

    def _unsure(self, clause: Clause) -> bool:
        return clause.score.route is None or clause.score.confidence < self.threshold

    def _draft(self, request: str, turn: int, context: Mapping[str, str]) -> Plan | list[Clause]:
        """The whole plan when no clause can need the model (a courtesy), else the clauses to route."""
        clauses = self._clauses(request)
        if all(self._courtesy(clause) for clause in clauses):  # "Thanks!", "Hi there": no request
            courtesy = Subtask(
                id=f"t{turn}.1", task=request.strip(), specialist=None, confidence=1.0, status="courtesy"
            )
            return Plan([courtesy], self._context(request, context), Usage())
        return clauses

    def _context(self, request: str, context: Mapping[str, str]) -> dict[str, str]:
        return {**context, **extract_entities(request, self.entity_patterns)}

    def _finish(
        self,
        request: str,
        turn: int,
        context: Mapping[str, str],
        clauses: Sequence[Clause],
        asked: Sequence[tuple[str | None, float] | None],
    ) -> Plan:
        """The plan from the router's scores and the model's answers for unsure clauses (``None``: none)."""
        subtasks: list[Subtask] = []
        model_calls = 0
        for index, (clause, answer) in enumerate(zip(clauses, asked, strict=True), start=1):
            route, confidence = clause.score.route, clause.score.confidence
            if answer is not None:
                model_calls += 1
                route, confidence = answer
            subtasks.append(
                Subtask(
                    id=f"t{turn}.{index}",
                    task=clause.text,
                    specialist=route,
                    confidence=round(confidence, 4),
                    status="planned" if route is not None else "out_of_scope",
                )
            )
        usage = Usage(model_calls=model_calls) if model_calls else Usage()
        return Plan(subtasks, self._context(request, context), usage)

    def plan(self, request: str, *, turn: int, context: Mapping[str, str]) -> Plan:
        draft = self._draft(request, turn, context)
        if isinstance(draft, Plan):
            return draft
        asked = [self._ask_model(c.text) if self._unsure(c) else None for c in draft]
        return self._finish(request, turn, context, draft, asked)

    async def aplan(self, request: str, *, turn: int, context: Mapping[str, str]) -> Plan:
        """:meth:`plan`, asking the model about every unsure clause at once."""
        if self.semantic is not None:  # the semantic stage may load and run MiniLM: off the event loop
            draft = await asyncio.to_thread(self._draft, request, turn, context)
        else:
            draft = self._draft(request, turn, context)
        if isinstance(draft, Plan):
            return draft
        asked = await asyncio.gather(*(self._aask_model(c.text) for c in draft if self._unsure(c)))
        answers = iter(asked)
        return self._finish(
            request, turn, context, draft, [next(answers) if self._unsure(c) else None for c in draft]
        )

    def __call__(self, state: Mapping[str, Any]) -> dict[str, Any]:
        return _update(self.plan(**_plan_args(state)))

    async def arun(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """``planner(state)`` for async graphs: the model is awaited, the routing is the same."""
        return _update(await self.aplan(**_plan_args(state)))


def _scores_choice(scores: Any) -> tuple[str | None, float]:
    """A router's ``RouteScores`` as the planner's (route, confidence)."""
    return scores.route, float(scores.confidence)


def _kept_local(exc: Exception) -> tuple[str | None, float] | None:
    """No model answer for a clause (logged): its local route stands."""
    log.warning(
        "model routing failed, keeping the local route: %s", str(exc).splitlines()[0] if str(exc) else exc
    )
    return None


def _plan_args(state: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "request": state.get("request", ""),
        "turn": int(state.get("turn", 1)),
        "context": state.get("context") or {},
    }


def _update(plan: Plan) -> dict[str, Any]:
    update: dict[str, Any] = {"subtasks": plan.subtasks, "context": plan.context}
    if plan.usage:
        update["usage"] = plan.usage
    return update


def build_planner(
    routes: Sequence[RouteExamples],
    *,
    entity_patterns: Mapping[str, re.Pattern[str]],
    model: ModelChain | None,
    settings: PlannerSettings,
    default_threshold: float,
) -> Planner:
    """A planner whose router is fit on each route's description and examples, or loaded from
    ``settings.router`` (a saved artifact whose routes must all be specialists of the crew)."""
    if settings.router:
        router = Router.load(Path(settings.router).expanduser())
        unknown = sorted(set(router.routes) - {route.name for route in routes})
        if unknown:
            raise ConfigurationError(
                f"planner.router: artifact {settings.router} routes to {', '.join(unknown)}, "
                "which are not specialists of this crew"
            )
        semantic = None
    else:
        # fit once per set of examples: later builds load it from the data directory's router cache
        examples = {route.name: [route.description, *route.examples] for route in routes}
        router = fit_router(examples)
        semantic = semantic_refiner(router, examples)  # None without the semantic extra
    names = {route.name for route in routes}
    unknown = sorted(set(settings.documents) - names)
    if unknown:
        raise ConfigurationError(f"planner.documents: {', '.join(unknown)} are not specialists of this crew")
    return Planner(
        router=router,
        semantic=semantic,
        documents={name: folder_vocabulary(resolve_folder(at)) for name, at in settings.documents.items()},
        descriptions={route.name: route.description for route in routes},
        entity_patterns=entity_patterns,
        model=model,
        threshold=settings.threshold if settings.threshold is not None else default_threshold,
    )
