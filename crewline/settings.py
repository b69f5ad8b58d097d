"""Settings of the crewline shell, from the environment (``CREWLINE_*``)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class CrewlineSettings(BaseSettings):
    """The shell's settings.

    ``CREWLINE_CHECKPOINT_URL`` overrides a crew spec's persistence URL; ``CREWLINE_CREW`` names the
    default crew; ``CREWLINE_STORE_URL`` / ``CREWLINE_CONTEXT_URL`` the long-term store and the
    conversation context (unset: ``CREWLINE_STATE_URL``, else SQLite in the data directory; see
    :mod:`crewline.memory.shared.urls`); ``CREWLINE_DEBUG`` shows tracebacks instead of one-line errors.
    """

    model_config = SettingsConfigDict(env_prefix="CREWLINE_", extra="ignore")

    crew: str = "support"
    checkpoint_url: str | None = None
    store_url: str | None = None  # long-term store (None: CREWLINE_STATE_URL, else SQLite in the data dir)
    context_url: str | None = None  # conversation context with TTL (None: likewise)
    debug: bool = False
