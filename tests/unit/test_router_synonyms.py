"""Concept features (``router_synonyms``) and the semantic stage's linear scoring: requests worded
unlike a route's few examples, artifacts saved before concepts, and what *none* stays decided by."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from crewline.memory.knowledge.embeddings import HashingEmbedder
from crewline.nodes.planning import features as features_module
from crewline.nodes.planning.cascade import EmbeddingRouter
from crewline.nodes.planning.router import Router
from crewline.nodes.planning.router_synonyms import GROUPS, concept_of

ROUTES = {
    "subscriptions": ["cancel my subscription", "cancel the newsletter plan", "renew my subscription"],
    "orders": ["where is my order", "track the parcel I ordered", "has my delivery shipped"],
    "payments": ["what is my balance", "pay my bill", "how much money is on my account"],
}


def test_each_word_has_one_concept_and_no_stop_word_has_one() -> None:
    words = [word for group in GROUPS for word in group.split()]
    assert len(words) == len(set(words)), "a word in two groups would get only the first"
    assert concept_of("terminate") == concept_of("cancel") == "~cancel"
    assert concept_of("the") is None and concept_of("no") is None


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("terminate my membership", "subscriptions"),  # no word in common with the examples
        ("how much cash do I have", "payments"),
    ],
)
def test_a_request_worded_with_a_synonym_reaches_its_route(text: str, route: str) -> None:
    assert Router().fit(ROUTES).route(text).route == route


def test_without_concepts_the_synonym_alone_does_not_route(monkeypatch: pytest.MonkeyPatch) -> None:
    # What the concept features add: the same router without them sends the request elsewhere.
    monkeypatch.setattr(features_module, "concept_of", lambda token: None)
    assert Router().fit(ROUTES).route("terminate my membership").route != "subscriptions"


def _set_features_version(path: Path, version: int) -> None:
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    manifest = json.loads(str(arrays["manifest"][()]))
    manifest["features_version"] = version
    arrays["manifest"] = np.asarray(json.dumps(manifest))
    with path.open("wb") as handle:
        np.savez(handle, **arrays)


def test_an_artifact_saved_before_concepts_still_loads_and_keeps_its_version(tmp_path: Path) -> None:
    path = Router(threshold=0.0, dense_weight=0).fit(ROUTES).save(tmp_path / "router")
    _set_features_version(path, 1)
    loaded = Router.load(path)
    model = loaded._require()
    assert model.features.concepts is False
    assert loaded.route("where is my order").route == "orders"
    again = Router.load(loaded.save(tmp_path / "again"))  # re-saved: still read without concepts
    assert again._require().features.concepts is False


def test_linear_scoring_routes_examples_and_leaves_none_to_the_similarities() -> None:
    embedder = HashingEmbedder()
    linear = EmbeddingRouter(embedder, scoring="linear", threshold=0.3).fit(ROUTES)
    centroid = EmbeddingRouter(embedder, scoring="centroid", threshold=0.3).fit(ROUTES)
    for route, examples in ROUTES.items():
        for example in examples:
            assert linear.route(example).route == route
    vector = embedder.embed_query("has my delivery shipped yet")
    probs, centroid_probs = linear.distribution(vector), centroid.distribution(vector)
    assert probs.sum() == pytest.approx(1.0)
    assert probs[-1] == pytest.approx(centroid_probs[-1])  # *none*: the same call as the centroids'
    far = linear.route("zzqx vlorp")
    assert far.route is None


def test_routers_fit_from_thousands_of_examples_do_without_concepts(tmp_path: Path) -> None:
    many = {
        "orders": [f"where is my order number {n}" for n in range(1000)],
        "payments": [f"pay invoice {n} from my balance" for n in range(1000)],
    }
    router = Router(threshold=0.0).fit(many)
    assert router._require().features.concepts is False
    assert Router().fit(ROUTES)._require().features.concepts is True
    # Dozens a route but few in all (a route that spans many requests): concepts still help.
    dozens = {route: examples[:30] for route, examples in many.items()}
    assert Router(threshold=0.0).fit(dozens)._require().features.concepts is True
    saved = Router.load(router.save(tmp_path / "many"))  # written as version 1, read the same way
    assert saved._require().features.concepts is False
    assert saved.route("where is my order number 7").route == "orders"
