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
