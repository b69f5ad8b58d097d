"""The candidate router with out-of-scope requests (``learn run --background-oos``): it learns the
new phrasings and still declines requests none of the crew's specialists handle."""

from __future__ import annotations

from crewline.nodes.learning.train import fit_candidate
from crewline.nodes.planning.background import BACKGROUND
from tests.support.learning import BASE, experiences


def test_a_candidate_with_out_of_scope_requests_learns_routes_and_declines_the_rest() -> None:
    examples = {route: list(texts) for route, texts in BASE.items()}
    for example in experiences():
        examples[example.label].append(example.text)
    candidate = fit_candidate(examples, out_of_scope=list(BACKGROUND))
    assert candidate.routes == list(BASE)  # out of scope is not a route
    assert candidate.route("do I need a brolly in Glasgow").route == "weather"
    for request in ("recommend a good pizza place", "write me a poem about the sea"):
        assert candidate.route(request).route is None, request
