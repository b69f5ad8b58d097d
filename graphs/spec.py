"""The crew spec: a YAML file (or the same as Python objects) that describes a whole crew."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crewline.errors import ConfigurationError
from crewline.graphs.policies import PolicySettings
from crewline.nodes.guards import GuardSettings
from crewline.nodes.models.factory import ModelSettings
from crewline.nodes.planning.documents import names_module_attr
from crewline.nodes.planning.planner import PlannerSettings

__all__ = [
    "BUILTIN_CREWS",
    "CrewSpec",
    "CrewSpecError",
    "PersistenceSettings",
    "Specialist",
    "SpecialistSpec",
    "ToolLike",
    "load_spec",
]

BUILTIN_CREWS = ("support",)


class CrewSpecError(ConfigurationError):
    """A crew spec that cannot be loaded; the message is one line naming the problem."""


ToolLike = BaseTool | Callable[..., Any] | str
"""A tool as a crew takes it: a LangChain tool, a plain (sync or async) function, a factory
``(ToolContext) -> BaseTool``, a builtin name or an import path ``"package.module:attr"``."""

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELDS = ("name", "description", "examples", "tools", "agent", "system_prompt", "constraints", "graph")


@dataclass
class Specialist:
    """One specialist of a crew, as Python objects (a YAML spec's ``specialists`` entries load into these).

    ``tools``: what the crew's own tool loop may call (see :data:`ToolLike`). ``agent``: instead of
    that loop, any compiled LangGraph graph with a ``messages`` channel (LangChain's ``create_agent``,
    ``create_react_agent``, a graph of your own) or a Runnable that takes and returns messages; it
    gets the handoff as messages and its last message is the result. ``graph``: a builder
    ``(*, runtime, guards, tool_context) -> compiled subgraph`` (or its import path) for a specialist
    that is a workflow of its own. Mistakes raise :class:`ConfigurationError` naming the field.
    """

    name: str
    description: str
    examples: Sequence[str] = field(default_factory=list)
    tools: Sequence[ToolLike] = field(default_factory=list)
    agent: Any = None
    system_prompt: str = ""
    constraints: Sequence[str] = field(default_factory=list)
    graph: Any = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ConfigurationError(
                f"specialist name {self.name!r} must be lower-case letters, digits and _ (it names a node)"
            )
        where = f"specialist {self.name!r}"
        if not isinstance(self.description, str) or not self.description.strip():
            raise ConfigurationError(f"{where}: description must be a non-empty string")
        self.examples = _strings(self.examples, f"{where}: examples")
        self.constraints = _strings(self.constraints, f"{where}: constraints")
        if not isinstance(self.system_prompt, str):
            raise ConfigurationError(f"{where}: system_prompt must be a string")
        if isinstance(self.tools, str | BaseTool) or not isinstance(self.tools, Sequence):
            raise ConfigurationError(f"{where}: tools must be a list")
        self.tools = list(self.tools)
        for index, tool in enumerate(self.tools):
            if not isinstance(tool, str | BaseTool) and (not callable(tool) or isinstance(tool, type)):
                raise ConfigurationError(
                    f"{where}: tools[{index}] is a {type(tool).__name__}, not a LangChain tool, a function "
                    "or an import path 'package.module:attr'"
                )
        if self.agent is not None and self.graph is not None:
            raise ConfigurationError(f"{where}: give an agent or a graph, not both")
        if self.graph is not None and not isinstance(self.graph, str) and not callable(self.graph):
            raise ConfigurationError(f"{where}: graph must be a builder function or 'package.module:builder'")

    @classmethod
    def from_mapping(cls, data: object, index: int) -> Specialist:
        """A specialist from a spec's mapping (YAML or dict); unknown keys are errors, not ignored."""
        if not isinstance(data, Mapping):
            raise ConfigurationError(f"specialists[{index}] must be a mapping, not a {type(data).__name__}")
        unknown = sorted(set(map(str, data)) - set(_FIELDS))
        label = f"specialist {data.get('name')!r}" if data.get("name") else f"specialists[{index}]"
        if unknown:
            raise ConfigurationError(f"{label}: unknown field {unknown[0]!r} (known: {', '.join(_FIELDS)})")
        missing = [key for key in ("name", "description") if key not in data]
        if missing:
            raise ConfigurationError(f"{label}: {missing[0]} is required")
        return cls(**{str(k): v for k, v in data.items() if v is not None or k in ("agent", "graph")})


SpecialistSpec = Specialist  # the name this class had when specs were YAML only


def _strings(values: object, where: str) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise ConfigurationError(f"{where} must be a list of strings")
    if not all(isinstance(value, str) for value in values):
        raise ConfigurationError(f"{where} must be a list of strings")
    return list(values)


class PersistenceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, description="checkpointer URL; None: SQLite in the data dir")


class CrewSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    description: str = ""
    specialists: list[Specialist] = Field(min_length=1)
    planner: PlannerSettings = Field(default_factory=PlannerSettings)
    guards: GuardSettings = Field(default_factory=GuardSettings)
    models: ModelSettings = Field(default_factory=ModelSettings)
    persistence: PersistenceSettings = Field(default_factory=PersistenceSettings)
    policies: PolicySettings = Field(default_factory=PolicySettings)
    source: str | None = Field(default=None, exclude=True, description="where the spec was loaded from")

    @field_validator("specialists", mode="before")
    @classmethod
    def _as_specialists(cls, value: object) -> list[Specialist]:
        if isinstance(value, str | Mapping) or not isinstance(value, Sequence):
            raise ValueError("must be a list of specialists")
        return [
            s if isinstance(s, Specialist) else Specialist.from_mapping(s, i) for i, s in enumerate(value)
        ]

    @field_validator("specialists")
    @classmethod
    def _unique_names(cls, specialists: list[Specialist]) -> list[Specialist]:
        names = [s.name for s in specialists]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"specialist names must be unique; repeated: {', '.join(duplicates)}")
        return specialists

    def specialist(self, name: str) -> Specialist:
        for specialist in self.specialists:
            if specialist.name == name:
                return specialist
        raise KeyError(name)


def _builtin_path(name: str) -> Path:
    return Path(str(resources.files("crewline.graphs").joinpath("crews", f"{name}.yaml")))


def first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "spec"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    message = str(first["msg"]).removeprefix("Value error, ")  # a validator's own message says it all
    return f"{where}: {message}{more}"


def load_spec(spec: CrewSpec | dict[str, Any] | str | Path) -> CrewSpec:
    """A ``CrewSpec`` from an object, a dict, a builtin crew name (``"support"``) or a YAML path."""
    if isinstance(spec, CrewSpec):
        return spec
    if isinstance(spec, dict):
        try:
            return CrewSpec.model_validate(spec)
        except ValidationError as exc:
            raise CrewSpecError(f"invalid crew spec: {first_error(exc)}") from None
    path = _builtin_path(str(spec)) if str(spec) in BUILTIN_CREWS else Path(spec).expanduser()
    if not path.is_file():
        known = ", ".join(BUILTIN_CREWS)
        raise CrewSpecError(f"unknown crew {str(spec)!r}: not a builtin crew ({known}) nor a YAML file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CrewSpecError(f"crew spec {path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    except RecursionError:  # e.g. thousands of nested brackets
        raise CrewSpecError(f"crew spec {path} is not valid YAML: nested too deeply") from None
    except OSError as exc:
        raise CrewSpecError(f"crew spec {path} cannot be read: {exc.strerror or exc}") from None
    if not isinstance(data, dict):
        raise CrewSpecError(f"crew spec {path} must be a YAML mapping")
    try:
        loaded = CrewSpec.model_validate(data)
    except ValidationError as exc:
        raise CrewSpecError(f"crew spec {path}: {first_error(exc)}") from None
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
    spec.planner.documents = {  # 'package.module:ATTR' names a folder wherever the package is
        name: where if names_module_attr(where) else _anchored(where, base)
        for name, where in spec.planner.documents.items()
    }
    detector = spec.guards.detector
    if detector.startswith("hub:"):
        spec.guards.detector = "hub:" + _anchored(detector.removeprefix("hub:"), base)
    elif detector != "builtin":
        spec.guards.detector = _anchored(detector, base)
    return spec
