"""A user-defined tool referenced from a crew spec as ``tests.integration.custom_tools:forecast``."""

from __future__ import annotations

from langchain_core.tools import tool
from pydantic import BaseModel, Field


class ForecastArgs(BaseModel):
    city: str = Field(description="the city", json_schema_extra={"extract": r"\bin ([A-Z][a-z]+)"})


@tool(args_schema=ForecastArgs)
def forecast(city: str) -> dict[str, object]:
    """The weather forecast for a city."""
    return {"summary": f"Rain in {city}, 9°C.", "sources": [], "confidence": 1.0}
