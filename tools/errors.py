"""The one exception tools raise: a clear, user-facing failure."""

from __future__ import annotations

from crewline.errors import RunError


class ToolFailure(RunError):
    """A tool could not do what was asked; ``message`` is one line a customer can read.

    Whitespace (including newlines) in the message is collapsed, so the text is always a single line.
    """

    def __init__(self, message: str) -> None:
        self.message = " ".join(str(message).split()) or "The tool failed."
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class RecordUnavailable(ToolFailure):
    """The record asked for does not exist or cannot be read right now (locked by a batch job).

    A caller who may only see some customers' records gets an access refusal in its place when the
    record was addressed by its own id (an invoice, an order): "no such invoice" next to "not yours"
    would tell them which ids exist (:func:`crewline.memory.state.access.existence_hidden`)."""
