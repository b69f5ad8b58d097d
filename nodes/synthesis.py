"""Synthesis: merge the specialists' results, in the order of the subtasks, into one answer.

Citation markers ``[n]`` of each result refer to that result's own sources; they are renumbered
against the merged source list so the final answer's markers stay correct.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crewline.nodes.escalation import hands_over
from crewline.nodes.planning.courtesy import courtesy_reply
from crewline.nodes.types import AnswerPath, PendingAction, Source, Subtask, SubtaskResult, result_actions

__all__ = ["Synthesis", "synthesize"]

_MARKER = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Synthesis:
    answer: str
    subtasks: list[Subtask]
    confidence: float
    sources: list[Source]
    path: AnswerPath
    pending_actions: list[PendingAction]


def _renumber(answer: str, local: Sequence[Source], merged: list[Source]) -> str:
    index_of: dict[int, int] = {}
    for position, source in enumerate(local, start=1):
        key = source.get("id")
        found = next((i for i, s in enumerate(merged, start=1) if key and s.get("id") == key), None)
        if found is None:
            merged.append(source)
            found = len(merged)
        index_of[position] = found
    return _MARKER.sub(lambda m: f"[{index_of.get(int(m.group(1)), int(m.group(1)))}]", answer)


def synthesize(
    subtasks: Sequence[Subtask],
    results: Mapping[str, SubtaskResult],
    *,
    sure_out_of_scope: float | None = None,
) -> Synthesis:
    """The merged answer. An out-of-scope part is declined in the answer when the router is at least
    ``sure_out_of_scope`` sure nobody here handles it, else passed to a colleague
    (:func:`crewline.nodes.escalation.hands_over`)."""
    parts: list[str] = []
    merged_sources: list[Source] = []
    updated: list[Subtask] = []
    confidences: list[float] = []
    pending: list[PendingAction] = []
    path: AnswerPath = "offline"
    for subtask in subtasks:
        result = results.get(subtask["id"])
        if subtask["status"] == "courtesy":
            parts.append(courtesy_reply(subtask["task"]))
            updated.append(subtask)
            confidences.append(1.0)
            continue
        if subtask["specialist"] is None:
            handed_over = hands_over(subtask, sure_out_of_scope)
            parts.append(
                f"I can't help with \u201c{subtask['task']}\u201d here, so I have passed it to a colleague."
                if handed_over
                else f"I can't help with \u201c{subtask['task']}\u201d: it is outside what I can do here."
            )
            updated.append({**subtask, "status": "out_of_scope"})
            # declined: the refusal is as sure as the router that nobody here handles it
            confidences.append(0.0 if handed_over else subtask["confidence"])
            continue
        if result is None:  # a specialist that never reported: treat as a failure, not as success
            parts.append(
                f"The {subtask['specialist']} specialist did not answer \u201c{subtask['task']}\u201d."
            )
            updated.append({**subtask, "status": "failed"})
            confidences.append(0.0)
            continue
        parts.append(_renumber(result["answer"], result["sources"], merged_sources))
        updated.append({**subtask, "status": result["status"]})
        confidences.append(
            min(subtask["confidence"], result["confidence"])
            if result["status"] != "needs_approval"
            else subtask["confidence"]
        )
        pending += result_actions(result)
        if result["path"] == "model":
            path = "model"
    answer = "\n\n".join(part for part in parts if part.strip())
    confidence = round(min(confidences), 4) if confidences else 0.0
    return Synthesis(answer, updated, confidence, merged_sources, path, pending)
