"""The spec a crew is compiled from: loaded, or made from Python objects, with sections replaced.

Split from :mod:`crewline.graphs.crew` (which re-exports :func:`crew_spec`): what ``build_crew``
checks and resolves before it builds any node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from crewline.errors import ConfigurationError
from crewline.graphs.policies import PolicySettings
from crewline.graphs.spec import CrewSpec, CrewSpecError, Specialist, first_error, load_spec

__all__ = ["CREW_NODES", "check_policy_nodes", "crew_spec", "spec_folder"]


def crew_spec(
    spec: CrewSpec | dict[str, Any] | str | Path | None,
    *,
    name: str | None = None,
    specialists: Sequence[Specialist] | None = None,
    description: str = "",
    sections: Mapping[str, BaseModel | Mapping[str, Any] | None] | None = None,
) -> CrewSpec:
    """The spec ``build_crew`` compiles: loaded from ``spec``, or made from ``name`` and ``specialists``;
    ``sections`` (``guards``, ``models``, ``planner``, ``policies``) replace the spec's, as settings
    objects or their dicts."""
    if specialists is None:
        if spec is None and name is None:
            raise ConfigurationError("build_crew needs a spec (a name, a YAML path) or specialists=[...]")
        loaded = load_spec(spec if spec is not None else str(name))
    else:
        if spec is not None and not isinstance(spec, str):
            raise ConfigurationError("build_crew takes a spec or specialists=[...], not both")
        crew_name = name or spec
        if not crew_name:
            raise ConfigurationError("a crew built from specialists needs a name: build_crew('my_crew', ...)")
        loaded = load_spec({"name": crew_name, "description": description, "specialists": list(specialists)})
    given = {key: value for key, value in (sections or {}).items() if value is not None}
    if not given:
        return loaded
    data = {**{k: getattr(loaded, k) for k in type(loaded).model_fields}, **given}
    try:
        updated = CrewSpec.model_validate(data)
    except ValidationError as exc:
        raise CrewSpecError(f"invalid crew settings: {first_error(exc)}") from None
    updated.source = loaded.source
    return updated


def spec_folder(spec: CrewSpec) -> list[Path]:
    """Where a YAML spec's import paths are also looked up (its own folder)."""
    source = Path(spec.source) if spec.source else None
    return [source.parent] if source is not None and source.is_file() else []


# the supervisor's own nodes a spec's ``policies.nodes`` may name (besides the specialists)
CREW_NODES = (
    "input_guard",
    "plan",
    "synthesize",
    "output_guard",
    "open_ticket",
    "apply_decision",
    "respond",
)


def check_policy_nodes(policies: PolicySettings, names: Sequence[str]) -> None:
    """A policy for a node the crew does not have is a typo, not a silent no-op."""
    unknown = sorted(set(policies.nodes) - set(names))
    if unknown:
        raise ConfigurationError(
            f"policies.nodes.{unknown[0]}: the crew has no node of that name (nodes: {', '.join(names)})"
        )
