"""crewline's exceptions: one root, two branches.

``CrewlineError`` is what a caller catches to handle anything crewline raised on purpose.
``ConfigurationError`` means what was given cannot build a crew (a spec, a specialist object, a tool,
a provider, a URL): it is raised at build time and the CLI prints it as one line with exit code 2.
``RunError`` means a run could not do something it tried (no model answered, a budget ran out, a tool
failed). Configuration errors stay ``ValueError``s too, so code written against the old classes keeps
working.

This module imports nothing of crewline's, so every layer (nodes, tools, memory) may raise these.
"""

from __future__ import annotations

__all__ = ["ConfigurationError", "CrewlineError", "RunError", "UsageError"]


class CrewlineError(Exception):
    """The root of every exception crewline raises on purpose."""


class ConfigurationError(CrewlineError, ValueError):
    """What was given cannot build or serve a crew; the message is one line naming the field."""


class UsageError(ConfigurationError):
    """Bad input on the command line: a one-line message and exit code 2."""


class RunError(CrewlineError):
    """A run could not do what it tried (no usable model reply, a budget, a failed tool)."""
