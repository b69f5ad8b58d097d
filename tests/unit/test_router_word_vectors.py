"""The few-shot router's word-vector block: requests worded unlike a route's examples, artifacts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from crewline.nodes.planning.artifact import RouterArtifactError
from crewline.nodes.planning.features import FEATURES_VERSION
from crewline.nodes.planning.router import Router

# Three examples a route; the probes mostly share no content word with their route's examples
# (concepts of router_synonyms and character n-grams carry some of them even so).
ROUTES = {
    "nutrition": ["how many calories are in an apple", "is pasta healthy", "how much protein is in eggs"],
    "travel": ["book me a flight to boston", "find a hotel in rome", "I need a train ticket to paris"],
    "music": ["play some jazz", "put on my favorite song", "turn up the volume of this track"],
    "banking": ["what is my account balance", "transfer money to savings", "show my recent transactions"],
}
PROBES = {
    "is broccoli nutritious": "nutrition",
    "are carbs fattening": "nutrition",
    "what vitamins does spinach have": "nutrition",
    "does cheese contain much fat": "nutrition",
    "reserve an airline seat to tokyo": "travel",
    "get me lodging in madrid": "travel",
    "i want a plane trip to denver": "travel",
    "where can i stay overnight in berlin": "travel",
    "start the playlist with some rock": "music",
    "i want to hear beethoven": "music",
    "skip to the next tune": "music",
    "louder please": "music",
    "how much cash do I have in checking": "banking",
    "send funds to my brother": "banking",
    "what did i spend yesterday": "banking",
    "wire dollars to my landlord": "banking",
}


def _right(router: Router) -> int:
    tops, _ = router.margins(list(PROBES))
    return sum(router.routes[int(t)] == route for t, route in zip(tops, PROBES.values(), strict=True))


def test_word_vectors_rank_requests_worded_unlike_the_examples() -> None:
    with_vectors = Router(threshold=-10.0).fit(ROUTES)
    without = Router(threshold=-10.0, dense_weight=0).fit(ROUTES)
    assert _right(with_vectors) >= len(PROBES) - 1
    assert _right(without) < _right(with_vectors)


def test_routers_from_thousands_of_examples_leave_the_vectors_out() -> None:
    many = {
        "orders": [f"where is my order number {n}" for n in range(1100)],
        "payments": [f"pay invoice {n} from my balance" for n in range(1100)],
    }
    assert Router(threshold=0.0).fit(many)._require().features.dense_weight == 0.0
    assert Router(threshold=0.0).fit(ROUTES)._require().features.dense_weight > 0


def test_a_router_with_vectors_routes_alike_after_saving(tmp_path: Path) -> None:
    router = Router(threshold=-10.0).fit(ROUTES)
    loaded = Router.load(router.save(tmp_path / "router"))
    for text in [*PROBES, "", "zzqx"]:
        assert loaded.route(text) == router.route(text)
    with np.load(tmp_path / "router.npz", allow_pickle=False) as archive:
        manifest = json.loads(str(archive["manifest"][()]))
    assert manifest["features_version"] == FEATURES_VERSION == 3
    assert manifest["word_vectors"].startswith("sha256:")


def test_a_router_saved_before_word_vectors_loads_and_routes_as_fit(tmp_path: Path) -> None:
    before = Router(threshold=-10.0, dense_weight=0).fit(ROUTES)
    path = before.save(tmp_path / "router")
    with np.load(path, allow_pickle=False) as archive:
        assert json.loads(str(archive["manifest"][()]))["features_version"] == 2
    loaded = Router.load(path)
    assert loaded._require().features.vectors is None
    assert [loaded.route(t) for t in PROBES] == [before.route(t) for t in PROBES]


def test_an_artifact_fit_with_another_table_is_refused_in_one_line(tmp_path: Path) -> None:
    path = Router(threshold=0.0).fit(ROUTES).save(tmp_path / "router")
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    manifest = json.loads(str(arrays["manifest"][()]))
    manifest["word_vectors"] = "sha256:0000000000000000"
    arrays["manifest"] = np.asarray(json.dumps(manifest))
    with path.open("wb") as handle:
        np.savez(handle, **arrays)
    with pytest.raises(RouterArtifactError, match="another word-vector table"):
        Router.load(path)


def test_a_negative_weight_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        Router(dense_weight=-1.0)
