"""The crew spec: a YAML file (or the same as Python objects) that describes a whole crew."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crewline.errors import ConfigurationError
from crewline.graphs.policies import PolicySettings
from crewline.nodes.guards import GuardSettings
from crewline.nodes.models.factory import ModelSettings
from crewline.nodes.planning.planner import PlannerSettings

__all__ = ["BUILTIN_CREWS", "CrewSpec", "CrewSpecError", "PersistenceSettings", "SpecialistSpec", "load_spec"]

BUILTIN_CREWS = ("support",)


class CrewSpecError(ConfigurationError):
    """A crew spec that cannot be loaded; the message is one line naming the problem."""


class SpecialistSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="identifier, also the subgraph node name")
    description: str
    examples: list[str] = Field(default_factory=list, description="utterances this specialist handles")
    tools: list[str] = Field(default_factory=list, description="builtin tool names or 'module:attr' paths")
    system_prompt: str = ""
    constraints: list[str] = Field(default_factory=list, description="limits handed to the specialist")
    graph: str | None = Field(
        default=None, description="'module:builder' of a subgraph of its own instead of the tool loop"
    )


class PersistenceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, description="checkpointer URL; None: SQLite in the data dir")


class CrewSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    description: str = ""
    specialists: list[SpecialistSpec] = Field(min_length=1)
    planner: PlannerSettings = Field(default_factory=PlannerSettings)
    guards: GuardSettings = Field(default_factory=GuardSettings)
    models: ModelSettings = Field(default_factory=ModelSettings)
    persistence: PersistenceSettings = Field(default_factory=PersistenceSettings)
    policies: PolicySettings = Field(default_factory=PolicySettings)
    source: str | None = Field(default=None, exclude=True, description="where the spec was loaded from")

    @field_validator("specialists")
    @classmethod
    def _unique_names(cls, specialists: list[SpecialistSpec]) -> list[SpecialistSpec]:
        names = [s.name for s in specialists]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"specialist names must be unique; repeated: {', '.join(duplicates)}")
        return specialists

    def specialist(self, name: str) -> SpecialistSpec:
        for specialist in self.specialists:
            if specialist.name == name:
                return specialist
        raise KeyError(name)


def _builtin_path(name: str) -> Path:
    return Path(str(resources.files("crewline.graphs").joinpath("crews", f"{name}.yaml")))


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "spec"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def load_spec(spec: CrewSpec | dict[str, Any] | str | Path) -> CrewSpec:
    """A ``CrewSpec`` from an object, a dict, a builtin crew name (``"support"``) or a YAML path."""
    if isinstance(spec, CrewSpec):
        return spec
    if isinstance(spec, dict):
        try:
            return CrewSpec.model_validate(spec)
        except ValidationError as exc:
            raise CrewSpecError(f"invalid crew spec: {_first_error(exc)}") from None
    path = _builtin_path(str(spec)) if str(spec) in BUILTIN_CREWS else Path(spec).expanduser()
    if not path.is_file():
        known = ", ".join(BUILTIN_CREWS)
        raise CrewSpecError(f"unknown crew {str(spec)!r}: not a builtin crew ({known}) nor a YAML file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CrewSpecError(f"crew spec {path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise CrewSpecError(f"crew spec {path} must be a YAML mapping")
    try:
        loaded = CrewSpec.model_validate(data)
    except ValidationError as exc:
        raise CrewSpecError(f"crew spec {path}: {_first_error(exc)}") from None
    loaded.source = str(spec) if str(spec) in BUILTIN_CREWS else str(path.resolve())
    return _anchor_paths(loaded, path.resolve().parent)


def _anchored(value: str, base: Path) -> str:
    candidate = Path(value).expanduser()
    return value if candidate.is_absolute() else str(base / candidate)


def _anchor_paths(spec: CrewSpec, base: Path) -> CrewSpec:
    """Relative artifact paths in a spec file are relative to that file, not to the caller's cwd:
    a crew directory (spec, router, detector) then works wherever it is run from."""
    if spec.planner.router:
        spec.planner.router = _anchored(spec.planner.router, base)
    detector = spec.guards.detector
    if detector.startswith("hub:"):
        spec.guards.detector = "hub:" + _anchored(detector.removeprefix("hub:"), base)
    elif detector != "builtin":
        spec.guards.detector = _anchored(detector, base)
    return spec
