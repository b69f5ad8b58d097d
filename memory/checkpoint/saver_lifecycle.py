"""What the savers' lifecycle operations share: argument checks and the prune strategy names.

The SQLite (:mod:`crewline.memory.checkpoint.sqlite_saver`), Postgres
(:mod:`crewline.memory.checkpoint.postgres_lifecycle`) and Redis
(:mod:`crewline.memory.checkpoint.redis_saver_lifecycle`) savers each implement ``delete_for_runs`` /
``prune`` /
``copy_thread`` in their own store's terms; they check their arguments the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["PRUNE_STRATEGIES", "check_prune_strategy", "unique_ids"]

# "delete_all" is what the server's gRPC layer sends for the base class's "delete".
PRUNE_STRATEGIES = ("keep_latest", "delete", "delete_all")


def unique_ids(values: Sequence[str], what: str) -> list[str]:
    """``values`` as strings, first occurrence kept; a bare ``str`` (a common slip) is refused."""
    if isinstance(values, str):
        raise TypeError(f"{what} must be a sequence of ids, not a str")
    return list(dict.fromkeys(str(v) for v in values))


def check_prune_strategy(strategy: str) -> None:
    if strategy not in PRUNE_STRATEGIES:
        raise ValueError(
            f"Unknown prune strategy: {strategy!r} (expected one of {', '.join(PRUNE_STRATEGIES)})"
        )
