"""The crew spec's ``planner`` section and the planner built from it and the specialists' examples."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from crewline.errors import ConfigurationError
from crewline.nodes.models.factory import ModelChain
from crewline.nodes.planning.documents import DocumentWords, folder_vocabulary, resolve_folder
from crewline.nodes.planning.margin_cascade import semantic_refiner
from crewline.nodes.planning.router import Router
from crewline.nodes.planning.router_cache import fit_router

if TYPE_CHECKING:
    from crewline.nodes.planning.planner import Planner

__all__ = ["PlannerSettings", "RouteExamples", "build_planner"]


class PlannerSettings(BaseModel):
    """The crew spec's ``planner`` section."""

    model_config = ConfigDict(extra="forbid")

    threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="route confidence below which a clause is unsure (None: guards')",
    )
    unsure_router: str | None = Field(
        default=None,
        description="'package.module:attr' of a router asked about unsure clauses instead of the model",
    )
    router: str | None = Field(
        default=None,
        description=(
            "path of a router artifact (`crewline router fit`) to load instead of fitting one from the "
            "specialists' examples; its routes must be the crew's specialist names"
        ),
    )
    documents: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "specialist name -> folder of the documents it answers from (a path, relative to the spec "
            "file, or 'package.module:ATTR'): with no chat model nor unsure_router to ask, a clause no "
            "route takes goes to the specialist whose documents hold every word of it and two of its "
            "topic words in one document"
        ),
    )


@dataclass(frozen=True)
class RouteExamples:
    """What the router learns a specialist from."""

    name: str
    description: str
    examples: Sequence[str]


def _loaded_router(settings: PlannerSettings, names: set[str]) -> Router:
    """``settings.router``'s artifact, whose routes must all be specialists of the crew."""
    assert settings.router
    router = Router.load(Path(settings.router).expanduser())
    unknown = sorted(set(router.routes) - names)
    if unknown:
        raise ConfigurationError(
            f"planner.router: artifact {settings.router} routes to {', '.join(unknown)}, "
            "which are not specialists of this crew"
        )
    return router


def _documents(settings: PlannerSettings, names: set[str]) -> dict[str, DocumentWords]:
    """Each documented specialist's vocabulary (``planner.documents``)."""
    unknown = sorted(set(settings.documents) - names)
    if len(unknown) == 1:
        raise ConfigurationError(f"planner.documents: {unknown[0]} is not a specialist of this crew")
    if unknown:
        raise ConfigurationError(f"planner.documents: {', '.join(unknown)} are not specialists of this crew")
    return {name: folder_vocabulary(resolve_folder(at)) for name, at in settings.documents.items()}


def build_planner(
    routes: Sequence[RouteExamples],
    *,
    entity_patterns: Mapping[str, re.Pattern[str]],
    model: ModelChain | None,
    settings: PlannerSettings,
    default_threshold: float,
) -> Planner:
    """A planner whose router is fit on each route's description and examples, or loaded from
    ``settings.router`` (a saved artifact whose routes must all be specialists of the crew)."""
    from crewline.nodes.planning.planner import Planner  # the planner module re-exports this one

    names = {route.name for route in routes}
    if settings.router:
        router, semantic = _loaded_router(settings, names), None
    else:
        # fit once per set of examples: later builds load it from the data directory's router cache
        examples = {route.name: [route.description, *route.examples] for route in routes}
        router = fit_router(examples)
        semantic = semantic_refiner(router, examples)  # None without the semantic extra
    return Planner(
        router=router,
        semantic=semantic,
        documents=_documents(settings, names),
        descriptions={route.name: route.description for route in routes},
        entity_patterns=entity_patterns,
        model=model,
        threshold=settings.threshold if settings.threshold is not None else default_threshold,
    )
