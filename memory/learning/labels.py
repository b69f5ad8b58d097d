"""Turns and feedback as labelled examples: which signal labels which clause.

A turn is *accepted* as training data only when a person said something about it; a turn nobody
looked at teaches nothing (its route is the router's own guess, and training on it would only
confirm the router's mistakes). Per clause, the signals are applied in the order they happened, the
latest winning:

* a human decision that re-routed the request (``decided_route``), or feedback naming a route:
  the clause is labelled with that route (with several clauses: the one the planner was least sure
  of, the likeliest to be wrong);
* an approval, or a rating of +1: every routed clause keeps the route the planner chose;
* a rejection or a rating of -1 without a route: the planner's routes are wrong, and nothing says
  which is right: the turn's route labels are withdrawn;
* an injection/benign label labels the whole request for the injection detector.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from crewline.memory.learning.experiences import Feedback, LabelledExample, Turn

__all__ = ["injection_examples", "labelled_examples", "route_examples"]


def correction_target(turn: Turn) -> int | None:
    """The clause a correction applies to: the only one, else the one the planner was least sure of."""
    if not turn.clauses:
        return None
    return min(range(len(turn.clauses)), key=lambda i: turn.clauses[i].confidence)


def _confirmed(turn: Turn) -> dict[int, str]:
    return {i: c.route for i, c in enumerate(turn.clauses) if c.route is not None}


def _decision_labels(turn: Turn) -> tuple[dict[int, str], str]:
    """The labels the human's decision on an escalation gives, and its name as a source."""
    target = correction_target(turn)
    if turn.decided_route and target is not None:
        return {target: turn.decided_route}, "decision:reroute"
    if turn.decision == "approve":
        return _confirmed(turn), "decision:approve"
    return {}, f"decision:{turn.decision}" if turn.decision else ""


def _apply_feedback(
    turn: Turn, labels: dict[int, str], source: str, feedback: Feedback
) -> tuple[dict[int, str], str]:
    target = correction_target(turn)
    if feedback.route and target is not None:
        return {**labels, target: feedback.route}, "feedback:route"
    if feedback.rating == 1:
        return {**_confirmed(turn), **labels}, "feedback:rating"
    if feedback.rating == -1:
        return {}, "feedback:rating"
    return labels, source


def route_examples(turns: Iterable[Turn], feedback: Iterable[Feedback]) -> list[LabelledExample]:
    """Every clause a person labelled (directly or by confirming the planner's route)."""
    by_turn: dict[tuple[str, int], list[Feedback]] = defaultdict(list)
    for item in sorted(feedback, key=lambda f: f.recorded_at):
        by_turn[(item.thread_id, item.turn)].append(item)
    examples: list[LabelledExample] = []
    for turn in turns:
        labels, source = _decision_labels(turn)
        for item in by_turn.get((turn.thread_id, turn.turn), []):
            labels, source = _apply_feedback(turn, labels, source, item)
        for index, route in sorted(labels.items()):
            examples.append(
                LabelledExample(
                    key=f"{turn.thread_id}:{turn.turn}:{index}",
                    text=turn.clauses[index].text,
                    label=route,
                    source=source,
                    crew=turn.crew,
                    # what the planner chose and how sure it was: the label-noise check
                    # (``noise``) weighs a person's disagreement with a confident route
                    extra={
                        "planned": str(turn.clauses[index].route),
                        "confidence": f"{turn.clauses[index].confidence:.4f}",
                    },
                )
            )
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
