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
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crewline.nodes.guards.vault import PLACEHOLDER
from crewline.nodes.models.factory import ModelChain
from crewline.nodes.planning.courtesy import asks_nothing, is_courtesy
from crewline.nodes.planning.decompose import Clause, split_request
from crewline.nodes.planning.documents import DocumentWords, asks_how_to, covering_route
from crewline.nodes.planning.extract import extract_entities
from crewline.nodes.planning.one_per_route import Located, one_per_route, spans_in
from crewline.nodes.planning.planner_build import PlannerSettings, RouteExamples, build_planner
from crewline.nodes.planning.planner_model import Answer, RouteChoice, ask_steps
from crewline.nodes.planning.router import Router, RouteScore
from crewline.nodes.stop_words import english_stop_words
from crewline.nodes.sync_async import Steps, adrive, drive
from crewline.nodes.types import Subtask, Usage

__all__ = ["Plan", "Planner", "PlannerSettings", "RouteChoice", "RouteExamples", "build_planner"]


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
_WORDS = re.compile(r"\w+")  # a task's words, to tell one pasted twice


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
    documents: Mapping[str, DocumentWords] = field(default_factory=dict)

    def _ask_model(self, clause: str) -> Answer:
        return drive(self._ask(clause))

    async def _aask_model(self, clause: str) -> Answer:
        return await adrive(self._ask(clause))

    def _ask(self, clause: str) -> Steps[Answer]:
        return ask_steps(
            clause, second_opinion=self.second_opinion, model=self.model, descriptions=self.descriptions
        )

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

    def _semantic_applies(self, clause: Clause) -> bool:
        """Whether the semantic stage re-scores ``clause``: when the lexical router is unsure or chose
        it by function words (every clause of a one-route crew: its lexical score is only closeness
        to a few examples). A user's own router for unsure clauses, second_opinion, replaces the
        stage; a courtesy ("Hi there") stays none."""
        if (
            self.semantic is None
            or self.second_opinion is not None
            or self.semantic.lexical is not self.router
        ):
            return False
        doubtful = len(self.router.routes) < 2 or self._unsure(clause) or self._by_function_words(clause)
        return doubtful and not is_courtesy(clause.text)

    def _second_look(self, clause: Clause) -> Clause:
        """``clause`` as the plan routes it: re-scored by the semantic stage when that applies, then
        claimed by documents when they apply (``_documented``)."""
        if self._semantic_applies(clause):
            clause = Clause(clause.text, self.semantic.refine(clause.text, clause.score))
        return self._documented(clause)

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

    def _documents_decide(self) -> bool:
        """Documents are the last look only where nobody else is asked: with a chat model or a
        second_opinion router, an unsure clause goes to that, as it did before documents."""
        return bool(self.documents) and self.model is None and self.second_opinion is None

    def _taken_by_function_words(self, clause: Clause) -> bool:
        """A how-to question whose route is unsure or shares no content word with that route's
        examples ("how do I change my billing address" taken by "how do I ..."): documents may answer
        it. A specialist whose examples name the clause's object keeps it ("how can I see my open
        invoices", "how do I report fraud on my card"): it acts on those records."""
        route = clause.score.route
        if route is None or route in self.documents or not asks_how_to(clause.text):
            return False
        return self._unsure(clause) or self._by_function_words(clause)

    def _documented(self, clause: Clause) -> Clause:
        """A clause no route took, or a how-to question taken by function words, given to the one
        specialist whose documents cover it (``documents.covering_route``), when no model or
        second_opinion will be asked (``_documents_decide``). Its confidence is the documented
        route's own score, raised to the threshold: with nobody left to ask, the documents'
        agreement is the second opinion that lets it past the confidence gate."""
        if not self._documents_decide() or self._aside(clause):
            return clause
        if clause.score.route is not None and not self._taken_by_function_words(clause):
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
        asked: Sequence[Answer],
    ) -> Plan:
        """The plan from the router's scores and the model's answers for unsure clauses (``None``: none)."""
        subtasks: list[Subtask] = []
        model_calls = 0
        seen: set[tuple[str | None, str]] = set()
        for clause, answer in zip(clauses, asked, strict=True):
            route, confidence = clause.score.route, clause.score.confidence
            if answer is not None:
                model_calls += 1
                route, confidence = answer
            # a request pasted twice is one request: "freeze my card" ten times queues one freeze
            key = (route, " ".join(_WORDS.findall(clause.text.casefold())))
            if key in seen:
                continue
            seen.add(key)
            subtasks.append(
                Subtask(
                    id=f"t{turn}.{len(subtasks) + 1}",
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
