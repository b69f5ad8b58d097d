"""What a crew learns from: finished turns, the humans' decisions on them, and explicit feedback.

Every text here is already pseudonymised (the crew state's ``request`` and ``subtasks`` come from the
input guard; a feedback note is pseudonymised by whoever records it): the store never receives a raw
personal value. A :class:`LabelledExample` is what training and ``learn check`` see: a clause and the
route a person confirmed or chose for it, or a request and an injection/benign label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "INJECTION_LABELS",
    "RATINGS",
    "Clause",
    "Feedback",
    "LabelledExample",
    "Turn",
]

RATINGS = (-1, 0, 1)
INJECTION_LABELS = ("injection", "benign")


@dataclass(frozen=True)
class Clause:
    """One planned subtask: the clause, the route the planner chose (``None``: out of scope) and how
    sure it was."""

    text: str
    route: str | None
    confidence: float


@dataclass(frozen=True)
class Turn:
    """One finished turn of one thread, as the crew's state had it when the turn (or its resume) ended.

    ``decision``: the human's ``approve``/``edit``/``reject`` when the turn was escalated and decided;
    ``decided_route``: the route the human sent the request to, when the decision re-routed it.
    """

    thread_id: str
    turn: int
    crew: str
    request: str
    clauses: tuple[Clause, ...]
    spec: str = ""  # the spec the crew was built from (a builtin name or a YAML path), when known
    verdicts: tuple[tuple[str, str, float], ...] = ()  # (guard, action, score): input guard and groundedness
    escalation_kind: str | None = None
    escalation_status: str | None = None
    decision: str | None = None
    decided_route: str | None = None
    recorded_at: float = 0.0


@dataclass(frozen=True)
class Feedback:
    """Explicit feedback on a thread's latest turn (or ``turn``)."""

    thread_id: str
    turn: int
    rating: int | None = None  # -1, 0 or 1
    route: str | None = None  # the route the request should have gone to
    label: Literal["injection", "benign"] | None = None
    note: str | None = None
    actor: str | None = None
    recorded_at: float = 0.0


@dataclass(frozen=True)
class LabelledExample:
    """A text and its label, with where the label came from.

    ``key`` identifies the example stably across runs (thread, turn, clause): the frozen evaluation
    share is chosen by its hash, so an example held back once is held back always. ``kind``: ``route``
    (label: a route) or ``injection`` (label: ``injection`` or ``benign``).
    """

    key: str
    text: str
    label: str
    kind: Literal["route", "injection"] = "route"
    source: str = ""  # "approve", "edit", "feedback:route", "feedback:rating", ...
    crew: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False)
