"""Bad input to learning, one clear error each and nothing half-written: a version whose artifact
cannot be written is not listed (and leaves no temporary file), degenerate training data is refused,
a rollback to a version that does not exist is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from crewline.memory.learning.experiences import LabelledExample
from crewline.memory.learning.registry import LearningError, RouterRegistry, VersionRecord
from crewline.nodes.learning.detector import detector_registry, learn_detector
from crewline.nodes.learning.train import EvalRow, learn_router
from tests.support.learning import BASE, experiences

ROWS = [EvalRow("what's the weather in Paris", "weather"), EvalRow("how much do I owe this month", "billing")]


def test_a_version_whose_artifact_fails_to_write_is_not_listed_and_leaves_nothing_behind() -> None:
    registry = RouterRegistry("learners")
    assert learn_router(registry, BASE, ROWS, experiences()).record.status == "promoted"
    before = registry.path.read_bytes()

    def crash(path: Path) -> None:
        path.write_bytes(b"half a rout")
        raise OSError("disk full")

    record = VersionRecord(version="", status="promoted", created=0.0, reason="test")
    with pytest.raises(OSError, match="disk full"):
        registry.add_version(record, crash, promote=True)
    assert registry.path.read_bytes() == before  # v0001 stays current, no v0002 listed
    assert registry.current_version() == "v0001"
    leftovers = [p.name for p in registry.folder.rglob("*") if p.name.startswith(".")]
    assert leftovers == []
    assert sorted(p.name for p in (registry.folder / "versions").iterdir()) == ["v0001.npz"]


def test_degenerate_training_data_is_refused_with_the_reason() -> None:
    registry = RouterRegistry("learners")
    one_text = [
        LabelledExample(key=f"t{i}:1:0", text="what is my balance", label=label)
        for i, label in enumerate(["billing", "weather", "rates"] * 4)
    ]
    with pytest.raises(LearningError, match="conflicting labels"):
        learn_router(registry, BASE, ROWS, one_text)
    blank = [
        LabelledExample(key=f"b{i}:1:request", text="   ", label="benign", kind="injection") for i in range(9)
    ]
    with pytest.raises(LearningError, match="9 of 9 examples have no text"):
        learn_detector(detector_registry("learners"), blank, [])
    assert not registry.exists() and not detector_registry("learners").exists()


def test_a_rollback_to_a_version_that_does_not_exist_is_refused() -> None:
    registry = RouterRegistry("learners")
    with pytest.raises(LearningError, match="nothing to roll back"):
        registry.rollback()
    learn_router(registry, BASE, ROWS, experiences())
    with pytest.raises(LearningError, match=r"no version 'v0042' \(versions: base, v0001\)"):
        registry.rollback("v0042")
    assert registry.current_version() == "v0001"
