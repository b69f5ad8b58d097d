"""The run timeline's model and tool calls, and the crew's graph as SVG: small fixtures, no server."""

from __future__ import annotations

from typing import Any

from crewline.graphs.serving.console.graph_svg import graph_shape, graph_svg
from crewline.graphs.serving.console.timeline import timeline_steps
from tests.support.audit_entries import audit_entry, model_call
from tests.support.crews import small_crew

HISTORY = [
    {"next": ["plan"], "values": {"turn": 1}, "created_at": "2026-01-01T10:00:00+00:00"},
    {"next": ["billing", "weather"], "values": {"turn": 1}, "created_at": "2026-01-01T10:00:00.100000+00:00"},
    {"next": ["synthesize"], "values": {"turn": 1}, "created_at": "2026-01-01T10:00:01.600000+00:00"},
    {"next": [], "values": {"turn": 1}, "created_at": "2026-01-01T10:00:01.700000+00:00"},
]
AUDIT = [
    audit_entry(
        1,
        "2026-01-01T10:00:00.900000+00:00",
        "agent.action",
        specialist="weather",
        tool="forecast",
        args={"city": "Oslo"},
        status="ok",
        result="Rain in Oslo",
    ),
    model_call(
        2,
        "2026-01-01T10:00:01.400000+00:00",
        "weather",
        0.42,
        tokens=(64, 8),
        cost_usd=0.0000144,
        version="gpt-4o-mini-2024-07-18",
    ),
    model_call(3, "2026-01-01T10:00:01.500000+00:00", "billing", 1.25, tokens=(62, 7), cost_usd=0.0000135),
    model_call(4, "2026-01-01T10:05:00+00:00", "billing", 9.0, tokens=(1, 1), cost_usd=1.0),  # a later turn's
]


def test_specialists_of_one_step_run_side_by_side_with_their_calls() -> None:
    steps = timeline_steps(HISTORY, AUDIT)
    assert [s.node for s in steps] == ["plan", "billing", "weather", "synthesize"]
    billing, weather = steps[1], steps[2]
    assert billing.lanes == weather.lanes == 2 and steps[0].lanes == 1
    assert billing.duration_s == weather.duration_s == 1.5  # the step: checkpoint to checkpoint
    assert [(c.model, c.duration_s) for c in billing.model_calls] == [("gpt-4o-mini", 1.25)]
    assert weather.model_calls[0].version == "gpt-4o-mini-2024-07-18"
    assert [(t.tool, t.args) for t in weather.tool_calls] == [("forecast", '{"city": "Oslo"}')]
    assert billing.tool_calls == () and abs(weather.cost_usd - 0.0000144) < 1e-12
    assert sum(len(s.model_calls) for s in steps) == 2  # the call outside every step's span is in none


def test_the_graph_svg_names_the_crews_nodes_and_marks_the_visited_ones() -> None:
    shape = graph_shape(small_crew().get_graph())
    assert {"input_guard", "plan", "billing", "weather", "synthesize", "output_guard"} <= set(shape.nodes)
    assert not any("__error_handler__" in n for n in shape.nodes)
    svg = str(graph_svg(shape, visited={"plan", "billing"}))
    assert svg.startswith("<svg") and svg.count('<g class="graph-node') == len(shape.nodes)
    assert 'class="graph-node visited" data-node="billing"' in svg
    assert 'class="graph-node node" data-node="weather"' in svg
    assert 'data-edge="plan->billing"' in svg and "stroke-dasharray" in svg  # conditional: dashed


def test_the_graph_from_the_servers_json_is_the_same_and_labels_are_escaped() -> None:
    crew = small_crew().get_graph()
    served = {
        "nodes": [{"id": n} for n in crew.nodes],
        "edges": [{"source": e.source, "target": e.target, "conditional": e.conditional} for e in crew.edges],
    }
    assert graph_shape(served) == graph_shape(crew)
    evil = graph_shape(
        {
            "nodes": [{"id": "__start__"}, {"id": "<script>x</script>"}],
            "edges": [{"source": "__start__", "target": "<script>x</script>"}],
        }
    )
    svg = str(graph_svg(evil))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_a_loop_is_drawn_and_every_node_is_placed() -> None:
    loop = graph_shape(
        {
            "nodes": [{"id": i} for i in ("__start__", "a", "b", "__end__")],
            "edges": [
                {"source": "__start__", "target": "a"},
                {"source": "a", "target": "b"},
                {"source": "b", "target": "a", "conditional": True},
                {"source": "b", "target": "__end__"},
            ],
        }
    )
    svg = str(graph_svg(loop))
    assert '<path class="graph-edge" data-edge="b->a"' in svg and svg.count("<rect") == 4


def test_each_model_call_of_an_observed_run_is_audited_with_its_node_duration_and_cost(
    monkeypatch: Any,
) -> None:
    from tests.browser.console_site import console_world
    from tests.support.crews import crew_agent
    from tests.support.fake_openai import FakeOpenAI

    with FakeOpenAI(crew_agent) as model:
        monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        with console_world() as world:
            thread_id, _ = world.escalate(
                "Freeze the card of customer C-1001, and what's the weather in Oslo?", observed=True
            )
            calls = world.services.audit.entries(action="model.call")
    assert sorted(e.data["node"] for e in calls) == ["billing", "weather"]
    assert len(model.requests) == 2 and {e.thread_id for e in calls} == {thread_id}
    for entry in calls:
        data = entry.data
        assert data["status"] == "ok" and data["duration_s"] > 0 and data["prompt_tokens"] > 0
        assert data["cost_usd"] > 0 and data["model"] and entry.actor == "ann" and entry.tenant_id == "acme"
