"""The side-by-side startup section: ``import crewline`` and building the harness crew, timed in
fresh interpreters.

Split from :mod:`crewline.evals.benchmarks.sidebyside_harness`, whose ``crewline_crew`` and oracle
model the probe builds (by import, in the fresh interpreter).
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["startup", "startup_snippet"]


def startup_snippet(folder: Path) -> str:
    """Python for a fresh interpreter: time ``import crewline`` and building the harness crew.

    The harness's ``ChatOpenAI`` is made between the two, as a user makes theirs: ``model_s`` is
    what importing ``langchain_openai`` and ``openai`` costs on top of what crewline has already
    imported (langchain-core, LangGraph: charged to crewline). ``client_by_crewline`` says whether
    crewline itself imported that client (then it is crewline's cost, and ``model_s`` is small)."""
    return (
        "import json, sys, time\n"
        "t0 = time.perf_counter()\n"
        "import crewline\n"
        "from crewline import Specialist, build_crew\n"
        "t1 = time.perf_counter()\n"
        "client = 'langchain_openai' in sys.modules or 'openai' in sys.modules\n"
        f"sys.path.insert(0, {str(folder)!r})\n"
        "from crewline.evals.benchmarks.sidebyside_harness import _oracle_model, crewline_crew\n"
        "model = _oracle_model('http://127.0.0.1:9/v1')\n"
        "tm = time.perf_counter()\n"
        f"crewline_crew(__import__('pathlib').Path({str(folder)!r}), model)\n"
        "t2 = time.perf_counter()\n"
        "print(json.dumps({'import_s': t1 - t0, 'build_s': t2 - t1, 'model_s': tm - t1,\n"
        "                  'client_by_crewline': client}))\n"
    )


def startup(folder: Path, runs: int = 3) -> dict[str, Any]:
    """``import crewline`` + building the harness crew in fresh interpreters: medians of ``runs``
    (``{"error": ...}`` when the probe fails: the other sections' figures still get reported).

    ``import_build_s`` is crewline's part: import and build without the harness's own model client
    (``model_s``: importing ``langchain_openai``/``openai`` and making the ``ChatOpenAI``, which a
    user of any framework pays for that model), unless crewline imported that client itself;
    ``with_model_s`` is the whole.

    The interpreters run byte-compiled code, as an installed package's is (pip compiles a wheel's
    modules at install; the installed libraries here are too): crewline's and the harness's missing
    bytecode is written first (:func:`_compile_sources`), in the usual ``__pycache__`` folders
    (gitignored in a checkout). Without it, a checkout under ``PYTHONDONTWRITEBYTECODE`` (set in some
    containers) compiles crewline's sources in every process: some 70 ms more here. Not a throw-away
    ``PYTHONPYCACHEPREFIX``: that hides every library's shipped bytecode too, and filling it compiled
    ~3,000 modules (47 s under load)."""
    import crewline

    root = Path(crewline.__file__).resolve().parents[1]  # the checkout whose crewline is measured
    inner: list[dict[str, Any]] = []
    outer: list[float] = []
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    _compile_sources(root, folder)
    for _ in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", startup_snippet(folder)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode:
            return {"runs": runs, "error": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"}
        outer.append(time.perf_counter() - t0)
        inner.append(json.loads(done.stdout.strip().splitlines()[-1]))
    med = {k: statistics.median(r[k] for r in inner) for k in ("import_s", "build_s", "model_s")}
    by_crewline = any(r["client_by_crewline"] for r in inner)
    own = [r["import_s"] + r["build_s"] - (0.0 if by_crewline else r["model_s"]) for r in inner]
    return {
        "runs": runs,
        **med,
        "client_by_crewline": by_crewline,
        "import_build_s": statistics.median(own),
        "with_model_s": statistics.median(r["import_s"] + r["build_s"] for r in inner),
        "process_s": statistics.median(outer),
    }


def _compile_sources(root: Path, folder: Path) -> None:
    """Write the bytecode the probes would otherwise compile in every run: crewline's (its top-level
    folders are symlinks under ``crewline/``, which a recursive compile skips, so each is compiled
    itself) and the harness folder's. What is already current is left as it is.

    It replaced an unmeasured first probe, which did the same in a whole interpreter start, import and
    build (seconds, against well under one here)."""
    package = root / "crewline"
    compileall.compile_dir(package, maxlevels=0, quiet=2)
    for entry in sorted(package.iterdir()):
        if entry.is_dir() and entry.name != "__pycache__":
            compileall.compile_dir(entry, quiet=2)
    compileall.compile_dir(folder, quiet=2)
