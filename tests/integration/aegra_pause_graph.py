"""The ``refund`` graph of ``aegra.json`` with a pause a test can arm inside its side effects, served by
the Aegra instances of ``test_aegra_two_instances.py`` so the worker running it can be SIGKILLed
mid-effect.

Workers share one job queue, so the test cannot choose which instance runs a job: it arms a fault
point (e.g. ``effect:refund:after_commit``: the refund committed in the ERP, the step not yet
checkpointed) by writing its name to ``pause_at`` in ``$CREWLINE_TEST_PAUSE_DIR``, a directory every
instance sees. The first run to reach the point, on whichever instance, claims it (an atomic rename:
one winner), writes its instance's data directory to ``paused_at`` and sleeps until the test kills that
instance. The run's own thread sleeps: the worker keeps renewing its lease, as a worker stuck in a slow
ERP call would. Unarmed, this is crewline's refund graph unchanged.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from crewline.graphs.refund import graph
from crewline.tools.faults import install_fault_hook

__all__ = ["ARM_FILE", "PAUSED_FILE", "PAUSE_DIR_ENV", "graph"]

PAUSE_DIR_ENV = "CREWLINE_TEST_PAUSE_DIR"
ARM_FILE = "pause_at"
PAUSED_FILE = "paused_at"


def _pause_when_armed(point: str) -> None:
    directory = os.environ.get(PAUSE_DIR_ENV)
    if not directory:
        return
    arm = Path(directory) / ARM_FILE
    try:
        if arm.read_text().strip() != point:
            return
        claimed = arm.with_name(f"{ARM_FILE}.claimed-{os.getpid()}")
        arm.rename(claimed)  # atomic: one run on one instance wins, the others pass
    except FileNotFoundError:
        return
    claimed.unlink()
    (Path(directory) / PAUSED_FILE).write_text(os.environ["CREWLINE_DATA_DIR"])
    while True:
        time.sleep(60)


# installed for the life of the process: Aegra imports this module once, when it loads the graphs
_HOOK = contextlib.ExitStack()
_HOOK.enter_context(install_fault_hook(_pause_when_armed))
