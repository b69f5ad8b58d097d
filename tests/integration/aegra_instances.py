"""Aegra instances for the integration tests: :mod:`crewline.evals.benchmarks.aegra_cluster`, which the
Aegra benchmarks share, with the missing-interpreter case made a skip (a failure under ``CI=true``).

    with aegra_cluster(tmp_path, postgres_url, redis_url) as cluster:
        (a,) = cluster.start("a")  # alone first: two instances migrating a fresh database at once fail
        (b,) = cluster.start("b")
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from crewline.evals.benchmarks import aegra_cluster as _cluster
from crewline.evals.benchmarks.aegra_cluster import (
    REDIS_DB_INDEX,
    STARTUP_TIMEOUT_S,
    TIMINGS,
    AegraCluster,
    AegraInstance,
    AegraUnavailable,
)

__all__ = [
    "REDIS_DB_INDEX",
    "STARTUP_TIMEOUT_S",
    "TIMINGS",
    "AegraCluster",
    "AegraInstance",
    "aegra_cluster",
    "aegra_python",
    "service_urls",
]


def aegra_python() -> Path:
    """The 3.12 interpreter with ``crewline[aegra]`` installed; fails under CI, skips elsewhere."""
    try:
        return _cluster.aegra_python()
    except AegraUnavailable as missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(str(missing))
        pytest.skip(str(missing))


def service_urls() -> tuple[str, str]:
    """The test PostgreSQL and Redis URLs Aegra needs; fails under CI without them, skips elsewhere."""
    postgres, redis = os.environ.get("CREWLINE_TEST_POSTGRES"), os.environ.get("CREWLINE_TEST_REDIS")
    if postgres and redis:
        return postgres, redis
    reason = "CREWLINE_TEST_POSTGRES and CREWLINE_TEST_REDIS are needed for Aegra"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@contextlib.contextmanager
def aegra_cluster(
    base_dir: Path,
    postgres_url: str,
    redis_url: str,
    env: dict[str, str] | None = None,
    *,
    timings: Mapping[str, str] | None = None,
    shared_erp: bool = False,
) -> Iterator[AegraCluster]:
    """A fresh database and key prefix for instances started with ``cluster.start(name)``."""
    python = aegra_python()
    with _cluster.aegra_cluster(
        base_dir, postgres_url, redis_url, env, python=python, timings=timings, shared_erp=shared_erp
    ) as cluster:
        yield cluster
