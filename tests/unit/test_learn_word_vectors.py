"""A learned router keeps leaning on word vectors for wordings nobody taught it.

A candidate's rows are the crew's examples counted twice, the experiences and the generic
out-of-scope requests, so by row count alone the router's fit takes it for a router with many
examples a route and turns the word-vector block down (``nodes.planning.router_fit``). Its routes
have seen only a few dozen distinct wordings, though, and customers' next words are new ones; the
trainer sets the block's weight itself (``LEARNED_DENSE_WEIGHT``).
"""

from __future__ import annotations

from crewline.nodes.learning.train import CREW_WEIGHT, LEARNED_DENSE_WEIGHT, fit_candidate
from crewline.nodes.planning.background import BACKGROUND
from tests.support.learning import BASE, experiences

# Written before the fit was looked at: words neither the crew's examples nor the experiences use.
NEW_WORDINGS = {
    "weather": [
        "is there drizzle expected in Leeds",
        "how hot will it get in Bath",
        "any snow coming to York this week",
        "will I get soaked walking in Hull",
    ],
    "billing": [
        "what do I still need to pay you",
        "how large is my outstanding bill",
        "what sum is left unpaid",
        "total I am in arrears",
    ],
    "rates": [
        "how much is the dollar worth in euros",
        "what's the currency conversion for yen",
        "how many francs will I get for my sterling",
        "value of the rupee against the pound",
    ],
}


def _rows() -> dict[str, list[str]]:
    rows = {route: [*texts] * CREW_WEIGHT for route, texts in BASE.items()}
    for example in experiences():
        rows[example.label].append(example.text)
    return rows


def test_a_learned_router_routes_new_wordings_through_its_word_vectors() -> None:
    candidate = fit_candidate(_rows(), out_of_scope=BACKGROUND)
    model = candidate._model
    assert model is not None
    assert model.features.dense_weight == LEARNED_DENSE_WEIGHT
    routed = {
        text: candidate.route(text).route for route, texts in NEW_WORDINGS.items() for text in texts
    }
    right = sum(routed[text] == route for route, texts in NEW_WORDINGS.items() for text in texts)
    # 11 of 12 with the trainer's weight; 10 with the router's by-count default (0.5), where "total I
    # am in arrears" went to weather
    assert right >= 11, routed
    assert routed["total I am in arrears"] == "billing"
