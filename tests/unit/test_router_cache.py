"""The router cache: a crew built again from the same examples loads its fitted routers, never
importing scikit-learn; other examples, a damaged entry or an unwritable data directory refit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crewline.nodes.planning.router import Router
from crewline.nodes.planning.router_cache import CACHE_FOLDER, cache_key, fit_router

REPO = Path(__file__).resolve().parents[2]
ROUTES = {
    "billing": ["what is my balance", "how much do I owe", "list my open invoices"],
    "cards": ["I lost my card", "freeze my card", "my card was stolen"],
    "weather": ["will it rain in Oslo", "is it sunny today"],
}
PROBES = ["how much is my balance?", "someone stole my card", "rain tomorrow?", "play some jazz", ""]


def _entries(data_dir: Path) -> list[str]:
    folder = data_dir / CACHE_FOLDER
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_second_fit_loads_the_first_and_routes_exactly_like_it(crewline_data_dir: Path) -> None:
    fitted = fit_router(ROUTES)
    assert fitted.fit_seconds > 0
    assert _entries(crewline_data_dir) == [f"{cache_key(ROUTES)}.npz"]
    loaded = fit_router(ROUTES)
    assert loaded is not fitted and loaded.fit_seconds == 0.0  # loaded, not fit again
    assert loaded.routes == fitted.routes
    assert loaded.content_penalty == fitted.content_penalty and loaded.threshold == fitted.threshold
    for text in PROBES:
        assert loaded.route(text) == fitted.route(text) == Router().fit(ROUTES).route(text)


def test_another_example_or_setting_is_another_fit(crewline_data_dir: Path) -> None:
    fit_router(ROUTES)
    changed = {**ROUTES, "weather": ["will it rain in Oslo", "is it sunny in Rome"]}
    assert cache_key(changed) != cache_key(ROUTES)
    assert cache_key(ROUTES, c=0.5) != cache_key(ROUTES)
    assert cache_key(ROUTES, oos_label="oos") != cache_key(ROUTES)
    reordered = dict(reversed(list(ROUTES.items())))  # route order is the routes' order: another fit
    assert cache_key(reordered) != cache_key(ROUTES)
    refit = fit_router(changed)
    assert refit.fit_seconds > 0
    assert len(_entries(crewline_data_dir)) == 2
    assert fit_router(changed).fit_seconds == 0.0


def test_damaged_or_mismatched_entry_is_refit_and_replaced(crewline_data_dir: Path) -> None:
    other = {"a": ["alpha one", "alpha two"], "b": ["beta one", "beta two"]}
    fit_router(ROUTES)
    fit_router(other)
    folder = crewline_data_dir / CACHE_FOLDER
    entry, foreign = folder / f"{cache_key(ROUTES)}.npz", folder / f"{cache_key(other)}.npz"

    entry.write_bytes(b"not a zip file at all")
    repaired = fit_router(ROUTES)
    assert repaired.fit_seconds > 0 and repaired.routes == ["billing", "cards", "weather"]
    assert fit_router(ROUTES).fit_seconds == 0.0  # the refit replaced the damaged entry

    entry.write_bytes(foreign.read_bytes())  # a whole artifact, but fit on other examples
    refit = fit_router(ROUTES)
    assert refit.fit_seconds > 0 and refit.routes == ["billing", "cards", "weather"]
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_unwritable_data_dir_fits_without_a_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("CREWLINE_DATA_DIR", str(blocked))  # the data directory cannot be created
    first, second = fit_router(ROUTES), fit_router(ROUTES)
    assert first.fit_seconds > 0 and second.fit_seconds > 0
    assert [first.route(t) for t in PROBES] == [second.route(t) for t in PROBES]


_BUILD = """
import json, sys
from tests.support.crews import small_crew
from langchain_core.messages import HumanMessage
crew = small_crew()
out = crew.invoke({"messages": [HumanMessage(sys.argv[1])]}, {"configurable": {"thread_id": "t"}})
print(json.dumps({"sklearn": "sklearn" in sys.modules, "scipy": "scipy" in sys.modules,
                  "routed": [s["specialist"] for s in out["subtasks"]], "answer": out["answer"]}))
"""


def _build_in_fresh_process(data_dir: Path, request: str) -> dict[str, object]:
    env = {**os.environ, "CREWLINE_DATA_DIR": str(data_dir), "LANGSMITH_TRACING": "false"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", _BUILD, request],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_a_crew_built_again_loads_its_routers_without_scikit_learn(crewline_data_dir: Path) -> None:
    request = "What is the balance for customer C-1001?"
    first = _build_in_fresh_process(crewline_data_dir, request)
    assert first["sklearn"] is True  # the first build fits (the planner's and billing's tool router)
    assert len(_entries(crewline_data_dir)) == 2
    second = _build_in_fresh_process(crewline_data_dir, request)
    assert second["sklearn"] is False and second["scipy"] is False
    assert second["routed"] == first["routed"] == ["billing"]
    assert second["answer"] == first["answer"]
