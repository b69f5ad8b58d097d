"""A person's word on a turn, as the experience store keeps it: the one way feedback is written, from
``crewline feedback add`` and from the server's ``/crewline/feedback`` alike."""

from __future__ import annotations

from typing import Literal

from crewline.memory.learning.experiences import Feedback
from crewline.memory.learning.store import ExperienceStore, open_experience_store
from crewline.nodes.guards import default_vault
from crewline.nodes.guards.pii import detect_pii

__all__ = ["pseudonymised_note", "record_feedback"]


def pseudonymised_note(note: str) -> str:
    """``note`` with personal values replaced by the placeholders the input guard uses: a note is
    stored like a request, never raw."""
    text, _ = default_vault().pseudonymise(note, detect_pii(note))
    return text


def record_feedback(
    thread_id: str,
    *,
    rating: int | None = None,
    route: str | None = None,
    label: Literal["injection", "benign"] | None = None,
    note: str | None = None,
    actor: str | None = None,
    store: ExperienceStore | None = None,
) -> Feedback | None:
    """Feedback on ``thread_id``'s latest recorded turn, written to the experience store; ``None``
    (nothing written) when no turn of that thread was recorded."""
    store = store if store is not None else open_experience_store()
    turn = store.latest_turn(thread_id)
    if turn is None:
        return None
    feedback = Feedback(
        thread_id=thread_id,
        turn=turn.turn,
        rating=rating,
        route=route,
        label=label,
        note=pseudonymised_note(note) if note else None,
        actor=actor,
    )
    store.add_feedback(feedback)
    return feedback
