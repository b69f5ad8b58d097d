"""Turns and feedback as labelled examples: which signal labels which clause.

A turn is *accepted* as training data only when a person said something about it; a turn nobody
looked at teaches nothing (its route is the router's own guess, and training on it would only
confirm the router's mistakes). Per clause, the signals are applied in the order they happened, the
latest winning:

* a human decision that re-routed the request (``decided_route``), or feedback naming a route: the
  route the request should have gone to. When the planner gave the turn one route (one clause, or
  every clause the same route), the request is one request: every clause is labelled with the named
  route, and so is the whole request (:data:`REQUEST`), so the router learns the request as people
  wrote it and not only the parts the clause splitter cut it into ("my teenage son borrowed my card
  and I'd like it stopped", cut in two, is one card_security request). When the planner sent its
  clauses to several routes, the named route corrects the clause it was least sure of, the likeliest
  to be wrong (naming the route that clause already had confirms it; ``router_watch`` reads it so);
* an approval, or a rating of +1: every routed clause keeps the route the planner chose (and the
  whole request, when that is one route);
* a rejection or a rating of -1 without a route: the planner's routes are wrong, and nothing says
  which is right: the turn's route labels are withdrawn;
* an injection/benign label labels the whole request for the injection detector.

A clause's example carries the planner's choice and confidence for it (``extra``: ``planned``,
``confidence``; the label-noise test, :mod:`crewline.memory.learning.noise`); the whole request's
example carries none (the planner never routed it as one) and is held back with the turn's first
clause (``extra["held_with"]``), so a request and its own parts are never on both sides of the
gate's split.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from crewline.memory.learning.experiences import Feedback, LabelledExample, Turn

__all__ = ["REQUEST", "correction_target", "injection_examples", "labelled_examples", "route_examples"]

REQUEST = "request"  # the last part of a whole request's key: ``thread:turn:request``


def correction_target(turn: Turn) -> int | None:
    """The clause a correction applies to: the only one, else the one the planner was least sure of."""
    if not turn.clauses:
        return None
    return min(range(len(turn.clauses)), key=lambda i: turn.clauses[i].confidence)


def _one_route(turn: Turn) -> bool:
    """Whether the planner gave the turn one route (or out of scope) for all of it."""
    return len({clause.route for clause in turn.clauses}) == 1


@dataclass(frozen=True)
class _Labels:
    """A turn's labels so far: per clause index, the whole request's route, and the signal's name."""

    clauses: dict[int, str] = field(default_factory=dict)
    request: str | None = None
    source: str = ""


def _confirmed(turn: Turn, source: str) -> _Labels:
    routes = {i: c.route for i, c in enumerate(turn.clauses) if c.route is not None}
    whole = next(iter(routes.values())) if routes and _one_route(turn) else None
    return _Labels(routes, whole, source)


def _rerouted(turn: Turn, route: str, source: str, before: _Labels) -> _Labels:
    """The labels a named route gives (see the module doc)."""
    if _one_route(turn):
        return _Labels(dict.fromkeys(range(len(turn.clauses)), route), route, source)
    target = correction_target(turn)
    if target is None:
        return before
    return _Labels({**before.clauses, target: route}, None, source)


def _decision_labels(turn: Turn) -> _Labels:
    """The labels the human's decision on an escalation gives."""
    if turn.decided_route and turn.clauses:
        return _rerouted(turn, turn.decided_route, "decision:reroute", _Labels())
    if turn.decision == "approve":
        return _confirmed(turn, "decision:approve")
    return _Labels(source=f"decision:{turn.decision}" if turn.decision else "")


def _apply_feedback(turn: Turn, labels: _Labels, feedback: Feedback) -> _Labels:
    if feedback.route and turn.clauses:
        return _rerouted(turn, feedback.route, "feedback:route", labels)
    if feedback.rating == 1:
        confirmed = _confirmed(turn, "feedback:rating")
        return _Labels(
            {**confirmed.clauses, **labels.clauses}, labels.request or confirmed.request, confirmed.source
        )
    if feedback.rating == -1:
        return _Labels(source="feedback:rating")
    return labels


def _examples(turn: Turn, labels: _Labels) -> list[LabelledExample]:
    prefix = f"{turn.thread_id}:{turn.turn}"
    examples = [
        LabelledExample(
            key=f"{prefix}:{index}",
            text=turn.clauses[index].text,
            label=route,
            source=labels.source,
            crew=turn.crew,
            # what the planner chose and how sure it was: the label-noise check
            # (``noise``) weighs a person's disagreement with a confident route
            extra={
                "planned": str(turn.clauses[index].route),
                "confidence": f"{turn.clauses[index].confidence:.4f}",
            },
        )
        for index, route in sorted(labels.clauses.items())
    ]
    cut = len(turn.clauses) > 1 or (turn.clauses and turn.clauses[0].text.strip() != turn.request.strip())
    if labels.request is not None and turn.request.strip() and cut:
        examples.append(
            LabelledExample(
                key=f"{prefix}:{REQUEST}",
                text=turn.request,
                label=labels.request,
                source=labels.source,
                crew=turn.crew,
                extra={"held_with": f"{prefix}:0"},
            )
        )
    return examples


def route_examples(turns: Iterable[Turn], feedback: Iterable[Feedback]) -> list[LabelledExample]:
    """Every clause (and whole request) a person labelled, directly or by confirming the planner."""
    by_turn: dict[tuple[str, int], list[Feedback]] = defaultdict(list)
    for item in sorted(feedback, key=lambda f: f.recorded_at):
        by_turn[(item.thread_id, item.turn)].append(item)
    examples: list[LabelledExample] = []
    for turn in turns:
        labels = _decision_labels(turn)
        for item in by_turn.get((turn.thread_id, turn.turn), []):
            labels = _apply_feedback(turn, labels, item)
        examples += _examples(turn, labels)
    return examples


def injection_examples(turns: Iterable[Turn], feedback: Iterable[Feedback]) -> list[LabelledExample]:
    """Requests a person labelled injection or benign (the latest label of a turn wins)."""
    requests = {(t.thread_id, t.turn): t for t in turns}
    latest: dict[tuple[str, int], Feedback] = {}
    for item in sorted(feedback, key=lambda f: f.recorded_at):
        if item.label and (item.thread_id, item.turn) in requests:
            latest[(item.thread_id, item.turn)] = item
    return [
        LabelledExample(
            key=f"{thread}:{number}:request",
            text=requests[(thread, number)].request,
            label=str(item.label),
            kind="injection",
            source="feedback:label",
            crew=requests[(thread, number)].crew,
        )
        for (thread, number), item in latest.items()
    ]


def labelled_examples(turns: Sequence[Turn], feedback: Sequence[Feedback]) -> list[LabelledExample]:
    """Route and injection examples together."""
    return [*route_examples(turns, feedback), *injection_examples(turns, feedback)]
