"""``crewline feedback add``: a person's word on a thread's latest turn, into the experience store.

``--rating -1|0|1`` (the answer was bad, neutral, good), ``--route NAME`` (the specialist the request
should have gone to), ``--label injection|benign`` (for the injection detector), ``--note TEXT``
(pseudonymised like a request before it is stored). A thread nobody recorded, a route the crew does
not have or a label outside the set is one line on stderr and exit 2; nothing is written.
"""

from __future__ import annotations

import argparse
import json

from rich.console import Console

from crewline.errors import UsageError
from crewline.settings import CrewlineSettings

__all__ = ["register"]

_RATINGS = {"-1": -1, "0": 0, "1": 1, "+1": 1}


def _rating(value: str | None) -> int | None:
    if value is None:
        return None
    if value.strip() not in _RATINGS:
        raise UsageError(f"--rating must be -1, 0 or 1, not {value!r}")
    return _RATINGS[value.strip()]


def cmd_add(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.commands.run_record import cli_actor
    from crewline.graphs import load_spec
    from crewline.memory.learning.experiences import INJECTION_LABELS
    from crewline.memory.learning.store import open_experience_store
    from crewline.nodes.learning.feedback import record_feedback

    rating = _rating(args.rating)
    if args.label is not None and args.label not in INJECTION_LABELS:
        raise UsageError(f"--label must be injection or benign, not {args.label!r}")
    if rating is None and not (args.route or args.label or args.note):
        raise UsageError("feedback needs at least one of --rating, --route, --label, --note")
    store = open_experience_store()
    turn = store.latest_turn(args.thread)
    if turn is None:
        raise UsageError(
            f"unknown thread {args.thread}: no recorded turn (crewline run and the server record them)"
        )
    if args.route is not None:
        spec = load_spec(args.crew or turn.spec or turn.crew)
        names = [s.name for s in spec.specialists]
        if args.route not in names:
            raise UsageError(
                f"--route {args.route!r} is not a specialist of crew {spec.name} ({', '.join(names)})"
            )
    record_feedback(
        args.thread,
        rating=rating,
        route=args.route,
        label=args.label,
        note=args.note,
        actor=cli_actor(args.user),
        store=store,
    )
    print(json.dumps({"recorded": True, "thread_id": args.thread, "turn": turn.turn, "crew": turn.crew}))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    feedback = sub.add_parser("feedback", help="feedback on a thread's answer, for learning")
    actions = feedback.add_subparsers(dest="feedback_command", required=True)
    add = actions.add_parser("add", help="record a rating, a corrected route or an injection label")
    add.add_argument("--thread", required=True, help="the thread the feedback is about (its latest turn)")
    add.add_argument("--rating", metavar="-1|0|1", help="the answer was bad (-1), neutral (0), good (1)")
    add.add_argument("--route", metavar="NAME", help="the specialist the request should have gone to")
    add.add_argument("--label", metavar="injection|benign", help="whether the request was an injection")
    add.add_argument("--note", metavar="TEXT", help="a note (personal values are pseudonymised)")
    add.add_argument("--crew", help="the thread's crew spec (default: the one recorded with it)")
    add.add_argument("--user", help="who gives the feedback")
    add.set_defaults(handler=cmd_add)
