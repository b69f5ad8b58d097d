"""The *none* statistic of a router whose threshold comes from its own examples, 30 or more a route:
the top route's score plus a weight times the request's similarity to that route's examples
(``fewshot.SIMILARITY_WEIGHT``); from fewer a route, the score alone."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest

from crewline.evals.routing import LabelledRow, evaluate_routing, fit_router, read_labelled, sample_shots
from crewline.nodes.planning.fewshot import SIMILARITY_WEIGHT
from crewline.nodes.planning.router import Router
from tests.support.shared_data import require_shared

PROBES = [
    "how do i freeze my credit card",
    "what is the capital of france",
    "set an alarm for seven",
    "book me a table for two tonight",
    "tell me a joke about cats",
    "",
]


@pytest.fixture(scope="module")
def clinc() -> tuple[Path, list[LabelledRow]]:
    data = require_shared("clinc150")
    return data, sample_shots(read_labelled(data / "train.jsonl", "intent"), 5, seed=0, oos_label="oos")


@pytest.fixture(scope="module")
def few_shot(clinc: tuple[Path, list[LabelledRow]]) -> Router:
    data, rows = clinc
    return fit_router(data / "train.jsonl", "intent", oos_label="oos", train=rows, oos_recall=0.8)


@pytest.fixture(scope="module")
def domains(clinc: tuple[Path, list[LabelledRow]]) -> Router:
    """Five examples an intent, routed by domain: 75 examples a route."""
    return _domain_router(*clinc)


def _domain_router(data: Path, rows: list[LabelledRow]) -> Router:
    """The drawn rows' domains as routes (10), their intents as sub-routes."""
    domain_of = {r.line: r.labels[0] for r in read_labelled(data / "train.jsonl", "domain")}
    return fit_router(
        data / "train.jsonl",
        "domain",
        oos_label="oos",
        train=[LabelledRow(r.text, (domain_of[r.line],), r.line) for r in rows],
        oos_recall=0.8,
        sublabel_of={r.line: r.labels[0] for r in rows},
    )


def _manifest(path: Path) -> dict[str, object]:
    with np.load(path, allow_pickle=False) as archive:
        manifest = json.loads(str(archive["manifest"][()]))
    assert isinstance(manifest, dict)
    return manifest


def test_a_handful_of_examples_a_route_keeps_the_score_alone(few_shot: Router) -> None:
    # Five examples an intent: the cascade built on such a router routed a point fewer right with it.
    assert few_shot.similarity_weight == 0.0
    _, margins = few_shot.margins(PROBES)
    for text, margin in zip(PROBES, margins, strict=True):
        assert (few_shot.route(text).route is None) == (margin <= few_shot.none_threshold), text


def test_held_out_examples_set_the_weight_and_the_decision_uses_it(domains: Router) -> None:
    few_shot = domains
    assert few_shot.similarity_weight == SIMILARITY_WEIGHT
    plain = copy.copy(few_shot)
    plain.similarity_weight = 0.0
    tops, margins = few_shot.margins(PROBES)
    plain_tops, plain_margins = plain.margins(PROBES)
    assert tops.tolist() == plain_tops.tolist()  # the similarity decides *none*, not which route
    for text, top, margin, plain_margin in zip(PROBES, tops, margins, plain_margins, strict=True):
        similarity = few_shot.similarities(text)[few_shot.routes[int(top)]]
        assert margin - plain_margin == pytest.approx(SIMILARITY_WEIGHT * similarity, abs=1e-5)
        # The route is answered exactly when the statistic clears the threshold.
        assert (few_shot.route(text).route is None) == (margin <= few_shot.none_threshold), text
    assert any(abs(m - p) > 0.1 for m, p in zip(margins, plain_margins, strict=True))


def test_a_given_threshold_or_weight_is_kept(clinc: tuple[Path, list[LabelledRow]]) -> None:
    _, rows = clinc
    texts, labels = [r.text for r in rows[:40]], [r.labels[0] for r in rows[:40]]
    assert Router(threshold=-0.3).fit_rows(texts, labels).similarity_weight == 0.0
    texts, labels = [r.text for r in rows], [r.labels[0] for r in rows]
    assert Router(similarity_weight=0.0).fit_rows(texts, labels).similarity_weight == 0.0
    assert Router(similarity_weight=1.5).fit_rows(texts, labels).similarity_weight == 1.5


def test_a_saved_router_keeps_its_weight_as_format_3(domains: Router, tmp_path: Path) -> None:
    few_shot = domains
    path = few_shot.save(tmp_path / "few")
    manifest = _manifest(path)
    assert manifest["format_version"] == 3 and manifest["similarity_weight"] == SIMILARITY_WEIGHT
    loaded = Router.load(path)
    assert loaded.similarity_weight == SIMILARITY_WEIGHT
    for text in PROBES:
        assert loaded.route(text) == few_shot.route(text)


def test_format_3_keeps_sub_routes_too(domains: Router, tmp_path: Path) -> None:
    router = domains
    path = router.save(tmp_path / "domains")
    manifest = _manifest(path)
    assert manifest["format_version"] == 3 and manifest["sub_routes"] == 150
    loaded = Router.load(path)
    assert loaded._require().sub is not None
    for text in PROBES:
        assert loaded.route(text) == router.route(text)


def test_five_examples_a_domain_intent_route_domains_and_reject_out_of_scope(
    clinc: tuple[Path, list[LabelledRow]], domains: Router
) -> None:
    # Seed 0, val: 0.8717 at out-of-scope recall 0.69 before the similarity term, 0.8843 at 0.63 with it.
    data, _ = clinc
    router = domains
    figures = evaluate_routing(router, read_labelled(data / "val.jsonl", "domain"), oos_label="oos")
    assert figures["accuracy"] >= 0.88 and figures["oos_recall"] >= 0.55


def test_one_route_with_few_examples_keeps_the_score_alone(clinc: tuple[Path, list[LabelledRow]]) -> None:
    # Ten domains of 75 examples and one route of three: the average is far above 30 a route, but
    # the closeness of three examples' centroid is not to be trusted for that route.
    data, rows = clinc
    domain_of = {r.line: r.labels[0] for r in read_labelled(data / "train.jsonl", "domain")}
    texts = [r.text for r in rows] + ["book a pony ride", "pony rides for my kids", "can we ride ponies"]
    labels = [domain_of[r.line] for r in rows] + ["ponies"] * 3
    assert Router().fit_rows(texts, labels).similarity_weight == 0.0


def test_a_loaded_router_refit_chooses_its_weight_again(
    clinc: tuple[Path, list[LabelledRow]], few_shot: Router, domains: Router, tmp_path: Path
) -> None:
    # The artifact records the weight the fit chose, not one a caller gave: a loaded score-only
    # router refit on 75 examples a route uses the closeness term as a fresh router would, and a
    # loaded router with the term refit on five examples a route drops it.
    data, rows = clinc
    domain_of = {r.line: r.labels[0] for r in read_labelled(data / "train.jsonl", "domain")}
    texts = [r.text for r in rows]
    score_only = Router.load(few_shot.save(tmp_path / "score_only"))
    assert score_only.similarity_weight == 0.0
    refit = score_only.fit_rows(texts, [domain_of[r.line] for r in rows])
    assert refit.similarity_weight == SIMILARITY_WEIGHT
    with_term = Router.load(domains.save(tmp_path / "with_term"))
    assert with_term.fit_rows(texts, [r.labels[0] for r in rows]).similarity_weight == 0.0
    # A weight the caller gave is kept through saving, loading and refitting.
    given = Router(similarity_weight=0.0).fit_rows(texts, [r.labels[0] for r in rows])
    reloaded = Router.load(given.save(tmp_path / "given"))
    assert reloaded.fit_rows(texts, [domain_of[r.line] for r in rows]).similarity_weight == 0.0


def test_a_loaded_router_refit_keeps_its_recall_and_vector_weight(
    clinc: tuple[Path, list[LabelledRow]], tmp_path: Path
) -> None:
    # oos_recall and dense_weight are the caller's too: a refit of the loaded router matches a fresh one
    _, rows = clinc
    kept = sorted({r.labels[0] for r in rows})[:20]  # twenty intents: the settings, not the scale
    texts = [r.text for r in rows if r.labels[0] in kept]
    labels = [r.labels[0] for r in rows if r.labels[0] in kept]
    for settings in ({"oos_recall": 0.95}, {"dense_weight": 0.0}):
        fresh = Router(**settings).fit_rows(texts, labels)  # type: ignore[arg-type]
        loaded = Router.load(fresh.save(tmp_path / "router")).fit_rows(texts, labels)
        assert (loaded.oos_recall, loaded.dense_weight) == (fresh.oos_recall, fresh.dense_weight)
        assert loaded.threshold == pytest.approx(fresh.threshold)
