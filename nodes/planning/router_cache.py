"""Fitted routers cached on disk, so a crew built again from the same examples loads its routers.

Building a crew fits a router on its specialists' examples (the planner) and one per specialist with
several tools (the tool choice). The fit is deterministic, so fitting the same examples again on
every process start only costs time: the import of scikit-learn and scipy (most of a second) and the
fit itself. :func:`fit_router` keeps each fitted router in the data directory
(``<data_dir>/routers/<key>.npz``, the no-pickle artifact of :mod:`crewline.nodes.planning.artifact`)
under a key that hashes everything the fit depends on: the examples in order, ``oos_label``, the
router's settings, the features and artifact format versions, the source of the fitting modules and
the installed numpy, scipy and scikit-learn. A later build with the same inputs loads the file and
routes exactly as the fit did, without importing scikit-learn.

The cache is never a reason to fail: an entry that is missing, damaged or made for other inputs is
refitted (and rewritten); a data directory that cannot be written only means no cache. Entries are
written to a temporary file and renamed into place, so a reader never sees half a file and two
processes fitting the same crew at once both end with a whole one. A fit that calibrated its
threshold on out-of-scope examples is not cached (its artifact would not carry the calibration).

The process also keeps its last fits in memory (copies of them are handed out): a data directory that
has no entry yet (a test's fresh one, a tenant's new one) gets a copy of the same fit instead of a fit.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib.util
import json
import logging
import os
import sys
import threading
import uuid
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from crewline.memory.paths import data_dir
from crewline.memory.word_vectors import word_vectors
from crewline.nodes.planning.artifact import ARTIFACT_VERSION, RouterArtifactError, load_router, save_router
from crewline.nodes.planning.features import FEATURES_VERSION
from crewline.nodes.planning.router import Router

__all__ = ["CACHE_FOLDER", "MAX_ENTRIES", "cache_key", "fit_router"]

log = logging.getLogger(__name__)

CACHE_FOLDER = "routers"
MAX_ENTRIES = 256  # beyond this many fitted routers, the least recently used ones are removed
_IN_MEMORY = 64  # fits this process remembers, the most recent
_fits: dict[str, Router] = {}
_fits_lock = threading.Lock()
# The modules whose code decides what a fit produces: an edit to any of them is a new key.
_FIT_MODULES = (
    "crewline.nodes.planning.features",
    "crewline.nodes.planning.router_synonyms",
    "crewline.nodes.planning.svm",
    "crewline.nodes.planning.router",
    "crewline.nodes.planning.router_fit",
    "crewline.nodes.planning.router_model",
    "crewline.nodes.planning.router_content",
    "crewline.nodes.planning.fit_thresholds",
    "crewline.nodes.planning.calibration",
    "crewline.nodes.planning.fewshot",
    "crewline.nodes.planning.background",
    "crewline.nodes.stop_words",
)


def _installed(package: str) -> str:
    """Where ``package`` is installed and its ``__init__``'s size and time: an upgrade changes them.
    (Found without importing it; ``importlib.metadata`` would cost tens of milliseconds.)"""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return "missing"
    try:
        stat = os.stat(spec.origin)
    except OSError:
        return spec.origin
    return f"{spec.origin}:{stat.st_size}:{stat.st_mtime_ns}"


@cache
def _environment() -> str:
    """The fitting code and libraries of this process, hashed once."""
    digest = hashlib.sha256()
    for name in _FIT_MODULES:
        module = sys.modules.get(name)
        origin = getattr(module, "__file__", None)
        try:
            digest.update(Path(origin).read_bytes() if origin else name.encode())
        except OSError:
            digest.update(name.encode())
    for package in ("scipy", "sklearn"):
        digest.update(_installed(package).encode())
    digest.update(np.__version__.encode())
    return digest.hexdigest()


def _settings(router: Router) -> dict[str, Any]:
    """What a router's constructor was given (``fit`` starts from these)."""
    return {
        "threshold": router.threshold,
        "temperature": router.temperature,
        "c": router.c,
        "content_penalty": router.content_penalty,
        "oos_recall": router.oos_recall,
        "dense_weight": router.dense_weight,
        "similarity_weight": router._given_similarity_weight,
    }


def cache_key(examples: Mapping[str, Sequence[str]], *, oos_label: str | None = None, **options: Any) -> str:
    """The cache key of ``Router(**options).fit(examples, oos_label=oos_label)``."""
    inputs = {
        "artifact_format": ARTIFACT_VERSION,
        "features": FEATURES_VERSION,
        "environment": _environment(),
        "word_vectors": word_vectors.identity,  # a new table is a new fit
        "router": _settings(Router(**options)),
        "oos_label": oos_label,
        "examples": [[str(route), [str(text) for text in texts]] for route, texts in examples.items()],
    }
    text = json.dumps(inputs, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _folder() -> Path | None:
    try:
        folder = data_dir() / CACHE_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a read-only or missing home: fit without a cache
        log.debug("router cache unavailable: %s", exc)
        return None
    return folder


def _load(path: Path, key: str) -> Router | None:
    if not path.is_file():
        return None
    try:
        router = load_router(path, cache_key=key)
    except RouterArtifactError as exc:  # damaged or made for other inputs: refit and replace it
        log.info("refitting a router: %s", exc)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept when the folder is pruned
    return router


def _store(router: Router, folder: Path, key: str) -> None:
    temporary = folder / f".{key}.{uuid.uuid4().hex}.npz"
    try:
        save_router(router, temporary, cache_key=key)
        os.replace(temporary, folder / f"{key}.npz")
    except OSError as exc:
        log.debug("router cache not written: %s", exc)
        temporary.unlink(missing_ok=True)
        return
    _prune(folder)


def _prune(folder: Path) -> None:
    try:
        entries = [(p.stat().st_mtime, p) for p in folder.glob("*.npz") if not p.name.startswith(".")]
    except OSError:
        return
    if len(entries) <= MAX_ENTRIES:
        return
    for _, path in sorted(entries)[: len(entries) - MAX_ENTRIES]:
        path.unlink(missing_ok=True)


def fit_router(
    examples: Mapping[str, Sequence[str]], *, oos_label: str | None = None, **options: Any
) -> Router:
    """``Router(**options).fit(examples, oos_label=oos_label)``, loaded from the cache when the same
    fit was made before (by this process or another one using the same data directory)."""
    key = cache_key(examples, oos_label=oos_label, **options)
    folder = _folder()
    path = folder / f"{key}.npz" if folder is not None else None
    if path is not None and (loaded := _load(path, key)) is not None:
        return loaded
    # an entry that is there but damaged is refit, not papered over from memory
    remembered = _remembered(key) if path is None or not path.exists() else None
    if remembered is not None:
        router = remembered
    else:
        router = Router(**options).fit(examples, oos_label=oos_label)
        _remember(key, router)
    if folder is not None and router.calibration is None:
        _store(router, folder, key)
    return router


def _remembered(key: str) -> Router | None:
    with _fits_lock:
        router = _fits.get(key)
    return copy.deepcopy(router) if router is not None else None  # a caller may change its copy


def _remember(key: str, router: Router) -> None:
    kept = copy.deepcopy(router)
    with _fits_lock:
        _fits.pop(key, None)
        _fits[key] = kept
        while len(_fits) > _IN_MEMORY:
            del _fits[next(iter(_fits))]
