"""A minimal crew for tests: enough to exercise a crew's paths (routing, a tool, an approval) in a
user's own tests, a server or a UI, without writing specialists first.

    crew = minimal_crew()                                  # offline
    crew = minimal_crew(model=ScriptedChatModel([...]))    # the model path, scripted
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.tools import BaseTool, tool

if TYPE_CHECKING:
    from crewline import Specialist

__all__ = ["minimal_crew", "notes_tool", "one_tool_specialists"]

Route = tuple[str, Sequence[str], BaseTool | Callable[..., Any]]
"""A specialist's description, routing examples and its one tool."""


def echo(text: str) -> str:
    """Repeat the text back, word for word."""
    return text


def notes_tool(notes: list[str]) -> BaseTool:
    """A tool that appends to ``notes`` and needs a human's approval first (an action with an effect)."""

    @tool
    def save_note(note: str) -> str:
        """Save a note to the file."""
        notes.append(note)
        return f"Saved the note: {note}"

    save_note.metadata = {"requires_approval": True}
    return save_note


def one_tool_specialists(**routes: Route) -> list[Specialist]:
    """Specialists with one tool each, ``name=(description, examples, tool)``: the routes of a test
    crew in a few lines."""
    from crewline import Specialist

    return [
        Specialist(name, description, examples=examples, tools=[tool_])
        for name, (description, examples, tool_) in routes.items()
    ]


def minimal_crew(*, notes: list[str] | None = None, **options: Any) -> Any:
    """Two specialists: ``echo`` repeats the request; ``notes`` saves a note once a human approves
    (into ``notes``, a list the test can read). ``options`` go to :func:`crewline.build_crew`
    (``model=``, ``checkpointer=``, ``guards=``, ...)."""
    from crewline import build_crew

    specialists = one_tool_specialists(
        echo=(
            "repeats back what the user says",
            ["repeat after me: hello", "echo this sentence", "say it back to me"],
            echo,
        ),
        notes=(
            "saves notes to the file",
            ["save a note that the meeting moved", "write down my parking spot", "note this"],
            notes_tool(notes if notes is not None else []),
        ),
    )
    return build_crew("minimal", specialists=specialists, **options)
