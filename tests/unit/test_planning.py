"""The local router and the clause decomposer (first versions)."""

from __future__ import annotations

import pytest

from crewline.nodes.planning.decompose import split_request
from crewline.nodes.planning.router import Router

ROUTES = {
    "billing": ["what is my balance", "how much do I owe", "list my open invoices", "when is my payment due"],
    "cards": ["I lost my card", "freeze my card", "my card was stolen", "report fraud on my card"],
    "accounts": ["what email do you have for me", "is my account active", "update my phone number"],
}


@pytest.fixture(scope="module")
def router() -> Router:
    return Router().fit(ROUTES)


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("how much is my balance?", "billing"),
        ("someone stole my card", "cards"),
        ("is my account still active", "accounts"),
    ],
)
def test_routes_paraphrases_to_the_right_route(router: Router, text: str, route: str) -> None:
    score = router.route(text)
    assert score.route == route
    assert score.confidence > 0.5
    assert score.ranking[0][0] == route


@pytest.mark.parametrize(
    "text", ["what is the capital of France?", "tell me a joke about cats", "who won the world cup"]
)
def test_out_of_scope_is_not_forced_onto_the_nearest_route(router: Router, text: str) -> None:
    score = router.route(text)
    assert score.route is None or score.confidence < 0.35  # either way the planner escalates it


def test_router_refuses_empty_fit_and_unfitted_use() -> None:
    with pytest.raises(ValueError, match="at least one route"):
        Router().fit({"a": [" "]})
    with pytest.raises(RuntimeError, match="fit"):
        Router().route("hello")


def test_compound_request_splits_in_order(router: Router) -> None:
    clauses = split_request("I lost my card, and what is my balance?", router.route)
    assert [c.score.route for c in clauses] == ["cards", "billing"]
    assert clauses[0].text == "I lost my card"


@pytest.mark.parametrize(
    "text", ["what is my balance and my due date", "freeze my card and send me a new card"]
)
def test_single_request_with_and_is_not_split(router: Router, text: str) -> None:
    assert len(split_request(text, router.route)) == 1


def test_greeting_fragment_joins_its_neighbour(router: Router) -> None:
    clauses = split_request("Hi. I lost my card.", router.route)
    assert len(clauses) == 1
    assert clauses[0].score.route == "cards"


def test_separate_sentences_become_subtasks(router: Router) -> None:
    clauses = split_request("My card was stolen. Also, how much do I owe?", router.route)
    assert [c.score.route for c in clauses] == ["cards", "billing"]


# -- decomposition: the best segmentation, not the first conjunction -----------------------------


def test_an_and_inside_the_first_request_is_not_taken_for_the_boundary() -> None:
    routes = {
        "alarm": ["set an alarm for seven", "wake me up at six and seven", "make an alarm for noon"],
        "exchange": ["what is the exchange rate for dollars to euros", "convert pounds and yen"],
    }
    router = Router().fit(routes)
    text = "make an alarm for six and seven in the morning, also look up the exchange rate for dollars"
    clauses = split_request(text, router.route)
    assert [c.score.route for c in clauses] == ["alarm", "exchange"]
    assert clauses[0].text == "make an alarm for six and seven in the morning"


def test_three_part_request_keeps_order(router: Router) -> None:
    text = "how much do I owe and then my card was stolen and is my account active"
    assert [c.score.route for c in split_request(text, router.route)] == ["billing", "cards", "accounts"]


# -- calibration and out of scope -----------------------------------------------------------------


def test_trained_oos_examples_send_similar_requests_out_of_scope() -> None:
    examples = {
        **ROUTES,
        "oos": ["what is the weather like", "play some music", "tell me a story", "book a flight to rome"],
    }
    router = Router().fit(examples, oos_label="oos")
    assert "oos" not in router.routes
    assert router.route("what is the weather in oslo").route is None
    assert router.route("please play music").route is None
    assert router.route("how much do I owe").route == "billing"


def test_calibration_reaches_the_wanted_out_of_scope_recall() -> None:
    router = Router().fit(ROUTES)
    val_texts = ["what do I owe", "my card is gone", "is my account open", "sing a song", "capital of peru"]
    val_labels = ["billing", "cards", "accounts", "oos", "oos"]
    calibration = router.calibrate(val_texts, val_labels, oos_recall=1.0)
    assert calibration.oos_rows == 2
    assert router.route("sing a song").route is None
    assert router.route("capital of peru").route is None
    assert 0.02 <= calibration.temperature <= 2.0


def test_calibration_rejects_labels_the_router_never_saw() -> None:
    router = Router().fit(ROUTES)
    with pytest.raises(ValueError, match="not fit on: loans"):
        router.calibrate(["give me a loan"], ["loans"])


def test_single_route_router_still_detects_unrelated_text() -> None:
    router = Router().fit({"billing": ROUTES["billing"]})
    assert router.route("how much do I owe on my balance").route == "billing"
    assert router.route("who won the world cup").route is None


def test_confidences_are_probabilities(router: Router) -> None:
    score = router.route("list my invoices")
    assert 0 <= score.confidence <= 1
    assert sum(p for _, p in score.ranking) <= 1.0 + 1e-6
    assert [p for _, p in score.ranking] == sorted((p for _, p in score.ranking), reverse=True)
