"""``crewline router fit`` and ``crewline router route``: a saved, versioned router artifact.

``fit`` trains the local router on labelled JSONL rows (``{"text", "<label-field>"}``; the label
``oos`` teaches what is out of scope; ``--shots K --seed S`` keeps K rows per label and no
out-of-scope ones, as ``crewline eval routing`` draws them), calibrates it on ``--val`` if given,
and writes one ``.npz`` file. A crew spec uses it with ``planner: {router: PATH}`` (its labels
must be the specialists). ``route`` loads an artifact and routes one request.
"""

from __future__ import annotations

import argparse
import json

from rich.console import Console

from crewline.errors import UsageError
from crewline.settings import CrewlineSettings

__all__ = ["register"]


def cmd_fit(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.evals.routing import check_known, fit_router, read_labelled, sample_shots

    if not 0 < args.oos_recall <= 1:  # NaN fails this too
        raise UsageError(f"--oos-recall must be in (0, 1], not {args.oos_recall:g}")
    train = read_labelled(args.train, args.label_field)
    if args.shots is not None:  # the same draw as `crewline eval routing --shots K --seed S`
        train = sample_shots(train, args.shots, seed=args.seed, oos_label=args.oos_label)
    # Like `crewline eval routing`: with enough out-of-scope rows, the fit sets the threshold for
    # --oos-recall itself; --val, when given, recalibrates it below.
    router = fit_router(
        args.train, args.label_field, oos_label=args.oos_label, train=train, oos_recall=args.oos_recall
    )
    summary: dict[str, object] = {
        "routes": len(router.routes),
        "rows": len(train),
        "fit_s": round(router.fit_seconds, 3),
    }
    if args.val:
        val = read_labelled(args.val, args.label_field)
        check_known(val, {*router.routes, args.oos_label}, args.val, args.train)
        calibration = router.calibrate(
            [r.text for r in val],
            [r.labels[0] for r in val],
            oos_label=args.oos_label,
            oos_recall=args.oos_recall,
        )
        summary.update(
            threshold=round(calibration.threshold, 4), temperature=round(calibration.temperature, 4)
        )
    try:
        summary["out"] = str(router.save(args.out))
    except OSError as exc:
        raise UsageError(f"--out {args.out}: cannot write the router ({exc.strerror or exc})") from None
    print(json.dumps(summary))
    return 0


def cmd_route(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.nodes.planning.router import Router

    router = Router.load(args.router)
    score = router.route(args.text)
    print(
        json.dumps(
            {
                "route": score.route,
                "confidence": score.confidence,
                "ranking": [list(item) for item in score.ranking[: args.top]],
            }
        )
    )
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("router", help="fit, save and try the local router")
    commands = parser.add_subparsers(dest="router_command", required=True, metavar="COMMAND")

    fit = commands.add_parser("fit", help="fit a router on labelled JSONL and save it as an artifact")
    fit.add_argument("--train", required=True, help="JSONL rows {text, <label-field>}")
    fit.add_argument("--label-field", default="intent", help="the row field holding the route")
    fit.add_argument("--out", required=True, help="artifact path (.npz is added if missing)")
    fit.add_argument("--val", help="JSONL rows to calibrate the threshold and temperature on")
    fit.add_argument("--oos-label", default="oos", help="the label of out-of-scope rows (default oos)")
    fit.add_argument(
        "--oos-recall",
        type=float,
        default=0.8,
        help="out-of-scope recall wanted (on --val, else on the training oos rows)",
    )
    fit.add_argument(
        "--shots", type=_positive, help="fit on this many training rows per label (no out-of-scope rows)"
    )
    fit.add_argument("--seed", type=int, default=0, help="which rows --shots draws (default 0)")
    fit.set_defaults(handler=cmd_fit)

    route = commands.add_parser("route", help="route one request with a saved router")
    route.add_argument("--router", required=True, help="artifact written by `crewline router fit`")
    route.add_argument("--top", type=_positive, default=3, help="how many ranked routes to show")
    route.add_argument("text")
    route.set_defaults(handler=cmd_route)
