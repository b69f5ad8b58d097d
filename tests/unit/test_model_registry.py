"""The model registry on both shared-state backends: versions, canary, promote, rollback, live figures;
the canary's stable thread assignment; the rollback thresholds (breach and no breach)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crewline.memory.learning.model_registry import ModelEntry, ModelRegistry, ModelRegistryError
from crewline.memory.learning.rollout import ROUTER_RATES, RolloutThresholds, VersionStats, breaches
from crewline.nodes.models.budget import RunScope
from crewline.nodes.models.canary import bucket, in_canary, judge_canary, record_turn, thread_of
from tests.support.state_backends import BACKENDS, backend_url, in_other_process


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request, tmp_path, "models.sqlite")


def test_register_canary_promote_rollback_conformance(url: str, tmp_path: Path) -> None:
    registry = ModelRegistry(url)
    first = registry.register("support", "openai:gpt-4o-mini")
    assert (first.version, first.status) == ("v0001", "stable")  # a name's first version serves at once
    second = registry.register("support", "anthropic:claude-sonnet-4-5", ["openai:gpt-4o-mini"])
    assert (second.version, second.status) == ("v0002", "candidate")
    entry = registry.canary("support", 20)
    assert (entry.stable, entry.canary, entry.percent) == ("v0001", "v0002", 20.0)
    assert entry.version("v0002").fallbacks == ("openai:gpt-4o-mini",)
    # another host configured by CREWLINE_STATE_URL alone sees the same rollout
    seen = in_other_process(
        "from crewline import ModelRegistry\n"
        "e = ModelRegistry().entry('support')\n"
        "result = [e.stable, e.canary, e.percent]",
        {"CREWLINE_STATE_URL": url},
        tmp_path / "host-b",
    )
    assert seen == ["v0001", "v0002", 20.0]
    promoted = registry.promote("support")
    assert (promoted.stable, promoted.canary, promoted.percent) == ("v0002", None, 0.0)
    restored = registry.rollback("support", reason="went badly")
    assert restored is not None and restored.stable == "v0001"
    assert restored.version("v0002").status == "rolled_back"
    actions = [(e["action"], e["from"], e["to"]) for e in registry.events("support")]
    assert actions[-2:] == [("promote", "v0001", "v0002"), ("rollback", "v0002", "v0001")]
    assert registry.events("support")[-1]["reason"] == "went badly"
    with pytest.raises(ModelRegistryError, match="nothing to roll back"):
        registry.rollback("support")


def test_figures_and_threads_are_counted_per_version(url: str) -> None:
    registry = ModelRegistry(url)
    registry.register("support/billing", "openai:a")
    registry.count("support/billing", "v0001", 0.002, calls=1, errors=1, interactions=1)
    registry.count("support/billing", "v0001", 0.001, calls=1)
    registry.served("t-1", "support/billing", "v0001")
    registry.served("t-1", "support/billing", "v0001")  # once per thread and version
    stats = registry.stats("support/billing")["v0001"]
    assert (stats.calls, stats.errors, stats.interactions) == (2, 1, 1)
    assert stats.cost_usd == pytest.approx(0.003)
    assert registry.thread_versions("t-1") == [("support/billing", "v0001")]
    assert [e.name for e in registry.entries(prefix="support")] == ["support/billing"]
    assert registry.entries(prefix="supp") == []


def test_bad_input_is_one_clear_error(tmp_path: Path) -> None:
    registry = ModelRegistry(f"sqlite:///{tmp_path / 'models.sqlite'}")
    with pytest.raises(ModelRegistryError, match="no model registered for 'nobody'"):
        registry.canary("nobody", 10)
    registry.register("support", "openai:a")
    for share in (0, -5, 101, float("nan")):
        with pytest.raises(ModelRegistryError, match="percentage"):
            registry.canary("support", share)
    with pytest.raises(ModelRegistryError, match="no candidate version"):
        registry.canary("support", 10)
    with pytest.raises(ModelRegistryError, match="nothing to roll back"):
        registry.rollback("support")
    with pytest.raises(ModelRegistryError, match="not a crew"):
        registry.register("a/b/c", "openai:a")
    registry.register("support", "openai:b")
    with pytest.raises(ModelRegistryError, match="no version 'v0009'"):
        registry.canary("support", 10, version="v0009")


def test_a_thread_stays_on_its_version_and_the_share_holds() -> None:
    registry_entry = _entry(percent=20.0)
    threads = [f"thread-{i}" for i in range(4000)]
    first = {t: in_canary(registry_entry, t) for t in threads}
    assert all(in_canary(registry_entry, t) == first[t] for t in threads)  # the same answer every time
    share = sum(first.values()) / len(threads)
    assert 0.18 <= share <= 0.22
    wider = _entry(percent=40.0)
    assert all(in_canary(wider, t) for t in threads if first[t])  # widening keeps who was in
    assert not in_canary(registry_entry, None)  # no thread: stable
    assert bucket("support", "x") != bucket("weather", "x")  # crews draw their own samples
    scope = RunScope.from_config({"configurable": {"thread_id": "abc:1"}}, turn=3)
    assert thread_of(scope) == "abc:1"
    assert thread_of(RunScope.anonymous()) is None


def _entry(percent: float) -> ModelEntry:
    return ModelEntry("support", "v0001", "v0002", percent)


def test_thresholds_breach_and_hold() -> None:
    limits = RolloutThresholds(min_samples=10)
    control = VersionStats(calls=100, errors=2, interactions=100, escalations=10, cost_usd=0.1)
    # under the minimum sample nothing is judged, however bad
    assert breaches(VersionStats(calls=9, errors=9), control, limits) == []
    # errors over control + 0.2: a breach, named
    found = breaches(VersionStats(calls=10, errors=5), control, limits)
    assert len(found) == 1 and found[0].startswith("error_rate 0.500")
    # within the allowed increase: no breach
    assert breaches(VersionStats(calls=10, errors=2, interactions=10, escalations=2), control, limits) == []
    # cost per interaction over 2x control's
    pricey = VersionStats(calls=10, interactions=10, cost_usd=0.05)
    assert [b.split(" ")[0] for b in breaches(pricey, control, limits)] == ["cost"]
    # a learned router's rates: out of scope and rejections
    router = VersionStats(interactions=20, out_of_scope=10, rejections=1)
    assert [b.split(" ")[0] for b in breaches(router, control, limits, rates=ROUTER_RATES)] == [
        "out_of_scope_rate"
    ]


def test_a_breaching_canary_is_rolled_back_and_a_healthy_one_is_not(tmp_path: Path) -> None:
    registry = ModelRegistry(f"sqlite:///{tmp_path / 'models.sqlite'}")
    registry.register("support", "openai:good")
    registry.register("support", "openai:bad")
    registry.canary("support", 20)
    limits = RolloutThresholds(min_samples=5)
    registry.count("support", "v0001", calls=50, errors=1)
    registry.count("support", "v0002", calls=4, errors=4)
    assert judge_canary(registry, "support", "v0002", limits) is None  # 4 < min_samples
    registry.count("support", "v0002", calls=1, errors=0)
    reason = judge_canary(registry, "support", "v0002", limits)
    assert reason is not None and "error_rate 0.800" in reason
    entry = registry.entry("support")
    assert entry is not None and entry.canary is None and entry.stable == "v0001"
    assert registry.events("support")[-1]["reason"] == reason
    # a healthy canary keeps running
    registry.register("support", "openai:fine")
    registry.canary("support", 20, version="v0003")
    registry.count("support", "v0003", calls=30, errors=1)
    assert judge_canary(registry, "support", "v0003", limits) is None
    assert registry.entry("support").canary == "v0003"  # type: ignore[union-attr]
    # escalations come from the turn's end: too many on the canary's threads roll it back too
    registry.served("t-9", "support", "v0003")
    registry.count("support", "v0001", interactions=50, escalations=2)
    registry.count("support", "v0003", interactions=5, escalations=4)
    record_turn("t-9", outcome="escalated", thresholds=limits, registry=registry)
    assert registry.entry("support").canary is None  # type: ignore[union-attr]
    assert "escalation_rate" in registry.events("support")[-1]["reason"]


def test_rollout_thresholds_come_from_the_crew_spec() -> None:
    from crewline import build_crew, load_spec
    from crewline.errors import ConfigurationError

    spec = load_spec("support")
    data = spec.model_dump()
    data["models"]["rollout"] = {"min_samples": 50, "max_error_rate_increase": 0.05, "auto_rollback": False}
    crew_spec = type(spec).model_validate(data)
    assert crew_spec.models.rollout.min_samples == 50 and not crew_spec.models.rollout.auto_rollback
    data["models"]["rollout"] = {"max_error_rate_increase": 2}
    with pytest.raises((ConfigurationError, ValueError), match="max_error_rate_increase"):
        build_crew(data)


def test_an_increase_chance_explains_is_not_a_breach() -> None:
    """A rate is judged by how surely it exceeds the reference's plus the allowed increase, not by
    the observed rates alone: 4 ungrounded answers in 21 against 11 in 123 is two unlucky turns."""
    limits = RolloutThresholds()
    reference = VersionStats(interactions=123, ungrounded=11)
    assert breaches(VersionStats(interactions=21, ungrounded=4), reference, limits) == []
    found = breaches(VersionStats(interactions=21, ungrounded=12), reference, limits)
    assert len(found) == 1 and found[0].startswith("groundedness_failure_rate 0.571 over 21")
    # every call failing is caught at the minimum sample, also against a control that has barely run
    failing = VersionStats(calls=20, errors=20)
    assert breaches(failing, VersionStats(calls=200, errors=3), limits)
    assert breaches(failing, VersionStats(calls=2), limits)
    # confidence 0.5: the observed rates alone, as before
    assert breaches(VersionStats(interactions=21, ungrounded=4), reference, RolloutThresholds(confidence=0.5))


def test_more_escalations_than_interactions_still_judge_the_canary(tmp_path: Path) -> None:
    # a turn's escalation counts for every version that served its thread, an interaction only on a
    # model call: escalations can outnumber interactions, and the canary must still be judged
    limits = RolloutThresholds()
    assert breaches(
        VersionStats(interactions=20, escalations=21), VersionStats(interactions=100, escalations=5), limits
    )
    registry = ModelRegistry(f"sqlite:///{tmp_path / 'models.sqlite'}")
    registry.register("support", "openai:good")
    registry.register("support", "openai:bad")
    registry.canary("support", 20)
    registry.count("support", "v0001", calls=100, interactions=100)
    registry.served("t-stable", "support", "v0001")
    for _ in range(101):
        record_turn("t-stable", outcome="escalated", thresholds=limits, registry=registry)
    registry.count("support", "v0002", calls=30, errors=30, interactions=30)  # every canary call fails
    assert judge_canary(registry, "support", "v0002", limits)
    entry = registry.entry("support")
    assert entry is not None and entry.canary is None
