"""Crew specs loaded from YAML files: artifact paths are relative to the spec file."""

from __future__ import annotations

from pathlib import Path

import pytest

from crewline.graphs import CrewSpecError, load_spec

_SPEC = """
name: desk
specialists:
  - name: billing
    description: balances and invoices
    examples: ["what do I owe"]
planner:
  router: {router}
guards:
  detector: {detector}
"""


def _write(directory: Path, router: str, detector: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "crew.yaml"
    path.write_text(_SPEC.format(router=router, detector=detector), encoding="utf-8")
    return path


def test_relative_artifact_paths_follow_the_spec_file_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec_path = _write(tmp_path / "crews" / "desk", "artifacts/router.json", "hub:models/guard")
    monkeypatch.chdir(tmp_path)  # run from elsewhere, with a relative spec path
    spec = load_spec(Path("crews/desk/crew.yaml"))
    base = spec_path.parent.resolve()
    assert spec.planner.router == str(base / "artifacts" / "router.json")
    assert spec.guards.detector == "hub:" + str(base / "models" / "guard")


def test_absolute_paths_and_the_builtin_detector_are_kept(tmp_path: Path) -> None:
    absolute = str(tmp_path / "elsewhere" / "router.json")
    spec = load_spec(_write(tmp_path, absolute, "builtin"))
    assert spec.planner.router == absolute
    assert spec.guards.detector == "builtin"


def test_a_trained_detector_path_is_anchored_too(tmp_path: Path) -> None:
    spec = load_spec(_write(tmp_path, "r.json", "detector.json"))
    assert spec.guards.detector == str(tmp_path.resolve() / "detector.json")


def test_a_spec_given_as_a_dict_keeps_paths_as_written() -> None:
    spec = load_spec(
        {
            "name": "desk",
            "specialists": [{"name": "billing", "description": "balances"}],
            "planner": {"router": "router.json"},
        }
    )
    assert spec.planner.router == "router.json"


def test_a_spec_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crew.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(CrewSpecError, match="must be a YAML mapping"):
        load_spec(path)
