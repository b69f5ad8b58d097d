"""CLI command groups. Each module has ``register(subparsers)`` adding its commands; a handler is
``(args, settings, console) -> exit code``. Add a command group by appending its module here."""

from __future__ import annotations

COMMAND_MODULES: tuple[str, ...] = (
    "crewline.commands.crew",
    "crewline.commands.evaluate",
    "crewline.commands.router",
    "crewline.commands.knowledge",
    "crewline.commands.workflow",
    "crewline.commands.keys",
    "crewline.commands.audit",
    "crewline.commands.report",
    "crewline.commands.health",
    "crewline.commands.retention",
    "crewline.commands.guard",
    "crewline.commands.feedback",
    "crewline.commands.learn",
    "crewline.commands.console",
    "crewline.commands.models",
)
