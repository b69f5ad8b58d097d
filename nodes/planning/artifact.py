"""A fitted router on disk: one ``.npz`` file of plain arrays and a JSON manifest, no pickle.

The manifest records the artifact format, the feature analyzers' version and the versions of numpy
and scikit-learn it was made with. Loading refuses a file that is not such an artifact, is damaged
(the zip's checksums, shapes that do not fit together), has another format or features version, or
was written by another major version of numpy. Routing a loaded router does not use scikit-learn, so
its version is recorded for the record only.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from crewline.errors import ConfigurationError
from crewline.memory.word_vectors import word_vectors
from crewline.nodes.planning.features import FEATURES_VERSION, READABLE_FEATURES_VERSIONS, TextFeatures
from crewline.nodes.planning.router import Router
from crewline.nodes.planning.router_model import RouterModel, SubRoutes

__all__ = ["ARTIFACT_FORMAT", "ARTIFACT_VERSION", "RouterArtifactError", "load_router", "save_router"]

ARTIFACT_FORMAT = "crewline-router"
ARTIFACT_VERSION = 1
# Format 2 adds sub-routes (``sub_routes``); a router without them is still written as format 1, so
# an older crewline reads it, and never reads a router whose sub-routes it would ignore.
_SUB_ROUTES_VERSION = 2
# Format 3 adds the *none* statistic's similarity weight (``fewshot.SIMILARITY_WEIGHT``), with or
# without sub-routes (its manifest's ``sub_routes`` says); a router without the weight keeps format 1
# or 2, and an older crewline never reads a router whose *none* it would compute otherwise.
_SIMILARITY_VERSION = 3
_READABLE_VERSIONS = (ARTIFACT_VERSION, _SUB_ROUTES_VERSION, _SIMILARITY_VERSION)
_SUB_ARRAYS = ("sub_coef", "sub_intercept", "sub_starts")
_ARRAYS = ("idf_words", "idf_chars", "coef", "intercept", "centroids")


class RouterArtifactError(ConfigurationError):
    """A router artifact that cannot be loaded; the message names the file and the reason."""


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def _text(value: str) -> np.ndarray:
    return np.asarray(value)  # a 0-d unicode array: stored without pickle


def save_router(router: Router, path: Path, *, cache_key: str | None = None) -> Path:
    """Write ``router`` to ``path`` (``.npz`` appended when missing); ``cache_key``: the inputs it was
    fit on, as :mod:`crewline.nodes.planning.router_cache` names them (checked by ``load_router``)."""
    model = router._model
    if model is None:
        raise RuntimeError("Router.fit must be called before saving")
    version = ARTIFACT_VERSION if model.sub is None else _SUB_ROUTES_VERSION
    manifest = {
        "format": ARTIFACT_FORMAT,
        "format_version": _SIMILARITY_VERSION if router.similarity_weight else version,
        "features_version": model.features.version,
        "numpy": np.__version__,
        "scikit-learn": _version("scikit-learn"),
        "crewline": _version("crewline"),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "routes": model.routes,
        "has_oos": model.has_oos,
        "one_route": model.one_route,
        "threshold": router.threshold,
        "temperature": router.temperature,
        "c": router.c,
        "content_penalty": router.content_penalty,
        "dim": model.features.dim,
        "sub_routes": 0 if model.sub is None else int(model.sub.intercept.size),
    }
    if router.similarity_weight:
        manifest["similarity_weight"] = router.similarity_weight
    # What the caller gave, apart from what the fit chose from its rows: a loaded router that is
    # refit chooses again, as a fresh one would (older crewlines ignore the key).
    manifest["given"] = {
        "threshold": router._given_threshold,
        "temperature": router._given_temperature,
        "content_penalty": router._given_content_penalty,
        "similarity_weight": router._given_similarity_weight,
        "oos_recall": router.oos_recall,  # None: no threshold fit for a recall
        "dense_weight": router.dense_weight,  # None: the router's own choice by row count
    }
    if model.features.vectors is not None:  # features version 3: the word-vector block
        manifest["dense_weight"] = model.features.dense_weight
        manifest["concepts"] = model.features.concepts
        manifest["word_vectors"] = model.features.vectors.identity
    if cache_key is not None:
        manifest["cache_key"] = cache_key
    arrays: dict[str, Any] = {
        "idf_words": model.features.idfs[0],
        "idf_chars": model.features.idfs[1],
        "coef": model.coef,
        "intercept": model.intercept,
        "centroids": model.centroids,
    }
    if model.sub is not None:
        arrays.update(zip(_SUB_ARRAYS, (model.sub.coef, model.sub.intercept, model.sub.starts), strict=True))
    words, chars = model.features.vocabularies
    path.parent.mkdir(parents=True, exist_ok=True)
    target = path if path.suffix == ".npz" else path.with_name(path.name + ".npz")
    with target.open("wb") as handle:  # np.savez would append .npz to a name without it
        np.savez_compressed(
            handle,
            manifest=_text(json.dumps(manifest)),
            vocabulary_words=_text(json.dumps(words, ensure_ascii=False)),
            vocabulary_chars=_text(json.dumps(chars, ensure_ascii=False)),
            **arrays,
        )
    return target


def _check_manifest(path: Path, manifest: dict[str, Any], cache_key: str | None) -> None:
    if manifest.get("format") != ARTIFACT_FORMAT:
        raise RouterArtifactError(f"{path}: not a crewline router artifact")
    if cache_key is not None and manifest.get("cache_key") != cache_key:
        raise RouterArtifactError(f"{path}: fit on other examples or settings than asked for")
    if manifest.get("format_version") not in _READABLE_VERSIONS:
        raise RouterArtifactError(
            f"{path}: router artifact format {manifest.get('format_version')}, this crewline reads "
            f"formats {', '.join(map(str, _READABLE_VERSIONS))}; refit it with `crewline router fit`"
        )
    if manifest.get("features_version") not in READABLE_FEATURES_VERSIONS:
        raise RouterArtifactError(
            f"{path}: made with text features version {manifest.get('features_version')}, this crewline "
            f"uses {FEATURES_VERSION}; refit it with `crewline router fit`"
        )
    vectors = manifest.get("word_vectors")
    if vectors is not None and vectors != word_vectors.identity:
        raise RouterArtifactError(
            f"{path}: fit with another word-vector table ({vectors}, this crewline ships "
            f"{word_vectors.identity}); refit it with `crewline router fit`"
        )
    saved_numpy = str(manifest.get("numpy", "?"))
    if saved_numpy.split(".")[0] != np.__version__.split(".")[0]:
        raise RouterArtifactError(
            f"{path}: saved with numpy {saved_numpy}, running numpy {np.__version__}; refit it"
        )


def _sub_routes(arrays: dict[str, np.ndarray], dim: int, n_routes: int, declared: int) -> SubRoutes | None:
    if "sub_coef" not in arrays:
        return None
    coef = arrays["sub_coef"].astype(np.float32)
    intercept = arrays["sub_intercept"].astype(np.float32)
    starts = arrays["sub_starts"].astype(np.int64)
    n_sub = intercept.shape[0] if intercept.ndim == 1 else -1
    ordered = starts.size == 0 or (
        starts[0] == 0 and bool(np.all(np.diff(starts) > 0)) and starts[-1] < n_sub
    )
    if coef.shape != (dim, n_sub) or starts.shape != (n_routes,) or not ordered or n_sub != declared:
        raise ValueError("sub-route shapes do not match the routes")
    return SubRoutes(coef, intercept, starts)


def _with_given(given: object, c: float) -> Router:
    """An unfitted router with the settings its caller gave (``given`` in the manifest; saved
    before it was recorded: none, so a refit chooses them all from its rows)."""
    settings = given if isinstance(given, dict) else {}
    names = ("threshold", "temperature", "content_penalty", "similarity_weight")
    kept = {name: float(settings[name]) for name in names if isinstance(settings.get(name), int | float)}
    router = Router(c=c, **kept)
    if "oos_recall" in settings:  # recorded since session 13: None is a choice, not a gap
        recall = settings["oos_recall"]
        router.oos_recall = float(recall) if isinstance(recall, int | float) else None
    if isinstance(settings.get("dense_weight"), int | float):
        router.dense_weight = float(settings["dense_weight"])
    return router


def load_router(path: Path, *, cache_key: str | None = None) -> Router:
    """The router saved at ``path``; with ``cache_key``, only if it was saved under that key."""
    if not path.is_file():
        raise RouterArtifactError(f"{path}: no such router artifact")
    try:
        with np.load(path, allow_pickle=False) as archive:
            manifest = json.loads(str(archive["manifest"][()]))
            if not isinstance(manifest, dict):
                raise RouterArtifactError(f"{path}: not a crewline router artifact")
            _check_manifest(path, manifest, cache_key)
            vocabularies = [
                json.loads(str(archive["vocabulary_words"][()])),
                json.loads(str(archive["vocabulary_chars"][()])),
            ]
            # format 2 is a router with sub-routes, whose arrays it must hold; format 1 has none;
            # format 3 may have them or not
            with_sub = bool(manifest.get("sub_routes"))
            if manifest["format_version"] != _SIMILARITY_VERSION and with_sub != (
                manifest["format_version"] == _SUB_ROUTES_VERSION
            ):
                raise RouterArtifactError(f"{path}: its manifest and its format disagree on sub-routes")
            names = _ARRAYS + (_SUB_ARRAYS if with_sub else ())
            arrays = {name: np.asarray(archive[name]) for name in names}
    except RouterArtifactError:
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RouterArtifactError(f"{path}: not a readable router artifact ({reason})") from None
    try:
        features = TextFeatures(
            vocabularies,
            [arrays["idf_words"], arrays["idf_chars"]],
            # version 1 was fit without concepts; version 3 says whether it was
            concepts=bool(manifest.get("concepts", manifest["features_version"] >= 2)),
            dense_weight=float(manifest.get("dense_weight") or 0.0),  # versions 1-2: no word vectors
        )
        routes = [str(route) for route in manifest["routes"]]
        has_oos = bool(manifest["has_oos"])
        coef = arrays["coef"].astype(np.float32)
        intercept = arrays["intercept"].astype(np.float32)
        centroids = arrays["centroids"].astype(np.float32)
        columns = len(routes) + int(has_oos)
        if coef.shape != (features.dim, columns) or intercept.shape != (columns,):
            raise ValueError("classifier shape does not match its vocabulary and routes")
        if centroids.shape != (features.dim, len(routes)) or features.dim != manifest["dim"]:
            raise ValueError("centroid shape does not match its vocabulary and routes")
        router = _with_given(manifest.get("given"), float(manifest["c"]))
        # What the fit chose routes; a refit starts from what was given (``_with_given``).
        threshold = manifest["threshold"]
        router.threshold = None if threshold is None else float(threshold)
        router.temperature = float(manifest["temperature"])
        router.content_penalty = float(manifest["content_penalty"])
        # formats 1-2 and score-only routers: the SVM's score alone decides *none*
        router.similarity_weight = float(manifest.get("similarity_weight") or 0.0)
        router._model = RouterModel(
            features,
            coef,
            intercept,
            centroids,
            routes,
            has_oos,
            bool(manifest["one_route"]),
            _sub_routes(arrays, features.dim, len(routes), int(manifest.get("sub_routes") or 0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RouterArtifactError(f"{path}: damaged router artifact ({exc})") from None
    return router
