"""The router artifact: saved and loaded without pickle, refusing what it cannot trust."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from crewline.nodes.planning.artifact import RouterArtifactError
from crewline.nodes.planning.router import Router

ROUTES = {
    "billing": ["what is my balance", "how much do I owe", "list my open invoices", "when is my payment due"],
    "cards": ["I lost my card", "freeze my card", "my card was stolen", "report fraud on my card"],
    "accounts": ["what email do you have for me", "is my account active", "update my phone number"],
    "oos": ["what is the weather", "play a song"],
}
PROBES = ["how much is my balance?", "someone stole my card", "play some jazz", "who won the cup", ""]


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Router, Path]:
    router = Router(threshold=0.1, temperature=0.3).fit(ROUTES, oos_label="oos")
    return router, router.save(tmp_path / "router")


def test_loaded_router_routes_exactly_like_the_fitted_one(saved: tuple[Router, Path]) -> None:
    router, path = saved
    assert path.name == "router.npz"
    loaded = Router.load(path)
    assert loaded.routes == router.routes == ["billing", "cards", "accounts"]
    assert loaded.has_oos and loaded.threshold == 0.1 and loaded.temperature == 0.3
    for text in PROBES:
        assert loaded.route(text) == router.route(text)


def test_artifact_holds_no_pickled_objects(saved: tuple[Router, Path]) -> None:
    _, path = saved
    with np.load(path, allow_pickle=False) as archive:  # would raise on an object array
        manifest = json.loads(str(archive["manifest"][()]))
        assert all(archive[name].dtype != object for name in archive.files)
    assert manifest["format"] == "crewline-router"
    assert {"format_version", "features_version", "numpy", "scikit-learn"} <= set(manifest)


def _rewrite_manifest(path: Path, **changes: object) -> None:
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    manifest = json.loads(str(arrays["manifest"][()]))
    manifest.update(changes)
    arrays["manifest"] = np.asarray(json.dumps(manifest))
    with path.open("wb") as handle:
        np.savez(handle, **arrays)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format_version": 99}, "format 99"),
        ({"features_version": 0}, "text features version 0"),
        ({"numpy": "1.0.0"}, "saved with numpy 1.0.0"),
        ({"format": "something-else"}, "not a crewline router artifact"),
        ({"routes": ["billing"]}, "damaged router artifact"),
    ],
)
def test_mismatched_artifact_is_refused(
    saved: tuple[Router, Path], changes: dict[str, object], message: str
) -> None:
    _, path = saved
    _rewrite_manifest(path, **changes)
    with pytest.raises(RouterArtifactError, match=message):
        Router.load(path)


def test_corrupt_or_missing_artifact_is_refused_with_its_path(
    tmp_path: Path, saved: tuple[Router, Path]
) -> None:
    _, path = saved
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\0" * 64
    broken = tmp_path / "broken.npz"
    broken.write_bytes(bytes(data))
    with pytest.raises(RouterArtifactError, match=r"broken\.npz"):
        Router.load(broken)
    text = tmp_path / "text.npz"
    text.write_text("not a zip")
    with pytest.raises(RouterArtifactError, match="not a readable router artifact"):
        Router.load(text)
    with pytest.raises(RouterArtifactError, match="no such router artifact"):
        Router.load(tmp_path / "missing.npz")
    assert zipfile.is_zipfile(path)


def test_a_threshold_set_at_fit_time_survives_save_and_load(tmp_path: Path) -> None:
    topics = {"billing": ["balance", "invoice", "payment"], "cards": ["card", "pin", "card limit"]}
    texts = [
        f"{frame} {word}"
        for frame in ("what is my", "show my", "help with my", "about my", "my")
        for words in topics.values()
        for word in words
        for _ in range(4)
    ]
    labels = [route for _ in range(5) for route, words in topics.items() for _ in words for _ in range(4)]
    outside = [
        f"{frame} {word}"
        for frame in ("tell me a", "find a", "i want a", "play a", "write a")
        for word in ("song", "joke", "poem", "story", "recipe", "movie")
    ] * 2
    router = Router().fit_rows(texts + outside, labels + ["oos"] * len(outside), oos_label="oos")
    assert router.calibration is not None
    loaded = Router.load(router.save(tmp_path / "calibrated.npz"))
    assert loaded.none_threshold == router.none_threshold and loaded.temperature == router.temperature
    for text in ["tell me a joke", "what is my card limit", "show my invoice", "write a poem about pins"]:
        assert loaded.route(text) == router.route(text)
