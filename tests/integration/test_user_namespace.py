"""Installing crewline adds one import name: a user's own ``tools.py``, ``graphs/``, ``memory.py``,
``nodes.py`` and ``evals.py`` in the working directory neither break crewline nor get shadowed by it.

The crew runs in a fresh interpreter whose working directory is the user's project and whose only
path entry for crewline is a folder holding the ``crewline`` package alone, as an installed wheel
would lay it out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import crewline

USER_FILES = {
    "tools.py": "WHO = 'user tools'\n",
    "memory.py": "WHO = 'user memory'\n",
    "nodes.py": "WHO = 'user nodes'\n",
    "evals.py": "WHO = 'user evals'\n",
    "graphs/__init__.py": "WHO = 'user graphs'\n",
}

SCRIPT = """
import json
import crewline
from langchain_core.messages import HumanMessage
from crewline import build_crew

crew = build_crew("support")
state = crew.invoke(
    {"messages": [HumanMessage("what is the current balance for customer C-1001?")]},
    {"configurable": {"thread_id": "t-user-namespace"}},
)
import evals, graphs, memory, nodes, tools
print(json.dumps({
    "answer": state["answer"],
    "mine": [m.WHO for m in (tools, memory, nodes, evals, graphs)],
}))
"""


def test_a_users_same_named_modules_do_not_collide(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for name, text in USER_FILES.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    site = tmp_path / "site"
    site.mkdir()
    (site / "crewline").symlink_to(Path(crewline.__file__).parent, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env |= {"PYTHONPATH": str(site), "CREWLINE_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=project, env=env, capture_output=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    payload = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert "1,234.50" in payload["answer"]  # the demo ERP answered through crewline's own tools
    assert payload["mine"] == ["user tools", "user memory", "user nodes", "user evals", "user graphs"]
