"""Side by side with both baselines on the harness's oracle model: latency, concurrency, overhead.

One run, one oracle server (``../shared/sidebyside/oracle_server.py`` on a free loopback port, fixed
latency, the harness's plans), three systems built in-process: crewline (the harness's
``crewline_crew.yaml`` built from Python objects), LangChain's ``create_agent`` sub-agents baseline and
the langgraph-supervisor baseline. Every system is called through ``ainvoke`` on one event loop.

1. **sidebyside**: each request (x ``--repeat``), one at a time, with run_sidebyside.py's own
   ``measure``/``summarize``: median and p90 latency, the oracle's span, model calls, peak parallel
   calls, success (the answer carries every planned specialist's tag). Ratios are to ``create_agent``.
2. **concurrency**: ``--concurrency`` two-part requests at once, ``--bursts`` times per system (the
   systems take turns; the median burst counts): wall time, requests/s, p50/p95, peak model calls in
   flight (the oracle's ``max_inflight``). Targets: crewline's throughput
   >= 1.5x ``create_agent``'s; crewline's peak in flight >= 80 % of the requests (40 of 50).
3. **overhead**: per-request time at 0 ms a call (a second oracle at 0 ms when ``--latency-ms`` is not
   0: the oracle's latency is fixed at start), crewline <= ``create_agent``; and ``import crewline``
   + building the crew in a fresh interpreter, median of 3, <= 1 s: crewline's own part, without the
   harness's ``ChatOpenAI`` (importing langchain-openai and openai after crewline), which crewline
   does not import to build a crew; that client counts when crewline imports it itself.

    python -m crewline.evals.benchmarks.sidebyside [--latency-ms 300] [--concurrency 50] [--bursts 3]
        [--repeat 1] [--requests N|FILE] [--only sidebyside,concurrency,overhead] [--json] [--harness DIR]
        [--timeout 120]

Figures depend on the machine: the oracle runs on it too, and at 50 requests at once the systems'
own CPU time per request, not the simulated model, bounds throughput on a small machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import signal
import sys
import tempfile
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

from crewline.evals.benchmarks.sidebyside_bench import Bench
from crewline.evals.benchmarks.sidebyside_harness import (
    CREWLINE,
    SUBAGENTS,
    SUPERVISOR,
    HarnessMissing,
    Oracle,
    System,
    build_systems,
    default_harness,
    load_requests,
    open_harness,
    progress,
)
from crewline.evals.benchmarks.sidebyside_startup import startup

SECTIONS = ("sidebyside", "concurrency", "overhead")
OVERHEAD_MIN_REPEAT = 3  # at 0 ms a request takes tens of ms: a few more samples steady the median


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        self.exit(2, f"sidebyside: {message}\n")


def _positive(kind: type[int] | type[float], least: float) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be >= {least:g}, not {text}")
        return value

    return parse


def _sections(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    picked = [SECTIONS[int(n) - 1] if n in ("1", "2", "3") else n for n in names]
    unknown = [n for n in picked if n not in SECTIONS]
    if unknown or not picked:
        raise argparse.ArgumentTypeError(
            f"unknown section {unknown[0] if unknown else text!r} (choose from {', '.join(SECTIONS)})"
        )
    return picked


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = _Parser(prog="sidebyside", description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--latency-ms", type=_positive(float, 0), default=300.0, help="oracle latency per call")
    ap.add_argument("--concurrency", type=_positive(int, 1), default=50, help="requests at once (section 2)")
    ap.add_argument(
        "--bursts", type=_positive(int, 1), default=3, help="bursts per system, taking turns (section 2)"
    )
    ap.add_argument(
        "--repeat", type=_positive(int, 1), default=1, help="runs of each request (sections 1, 3)"
    )
    ap.add_argument(
        "--requests",
        default=None,
        metavar="N|FILE",
        help="the first N requests taken across types in turn (single, two-part, three-part), "
        "or a requests JSONL file; default: the harness's 12",
    )
    ap.add_argument(
        "--startup-runs",
        type=_positive(int, 1),
        default=3,
        help="fresh interpreters timed for import + build (section 3; their median)",
    )
    ap.add_argument("--only", type=_sections, default=list(SECTIONS), help="comma-separated sections")
    ap.add_argument("--timeout", type=_positive(float, 1), default=120.0, help="seconds per request")
    ap.add_argument(
        "--harness", type=Path, default=None, help="the side-by-side folder (../shared/sidebyside)"
    )
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout instead of tables")
    args = ap.parse_args(argv)
    if args.requests is not None and not args.requests.isdigit() and not Path(args.requests).is_file():
        ap.error(f"--requests: neither a count nor a file: {args.requests!r}")
    if args.requests is not None and args.requests.isdigit() and int(args.requests) < 1:
        ap.error("--requests: the count must be >= 1")
    return args


def targets(result: dict[str, Any], concurrency: int) -> dict[str, Any]:
    """The issue's performance targets, each with its value and whether this run met it."""
    out: dict[str, Any] = {}
    conc = result.get("concurrency", {})
    if CREWLINE in conc and SUBAGENTS in conc:
        ratio = conc[CREWLINE]["throughput_rps"] / conc[SUBAGENTS]["throughput_rps"]
        out["throughput_vs_create_agent"] = {"value": ratio, "target": ">= 1.5", "met": ratio >= 1.5}
    if CREWLINE in conc:
        peak, least = conc[CREWLINE]["peak_in_flight"], math.ceil(0.8 * concurrency)
        out["crewline_peak_in_flight"] = {
            "value": peak,
            "target": f">= {least} of {concurrency}",
            "met": peak >= least,
        }
    over = result.get("overhead", {}).get("per_request", {})
    if CREWLINE in over and SUBAGENTS in over:
        ours, theirs = (
            over[CREWLINE]["summary"]["all"]["median_s"],
            over[SUBAGENTS]["summary"]["all"]["median_s"],
        )
        out["overhead_vs_create_agent"] = {"value": ours / theirs, "target": "<= 1.0", "met": ours <= theirs}
    start = result.get("overhead", {}).get("startup", {})
    if "import_build_s" in start:
        value = start["import_build_s"]
        out["import_and_build_s"] = {"value": value, "target": "<= 1.0", "met": value <= 1.0}
    return out


@contextlib.contextmanager
def _data_dir() -> Iterator[None]:
    """A throw-away data directory: a benchmark's escalation tickets must not land in the user's."""
    before = os.environ.get("CREWLINE_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="crewline-sidebyside-") as tmp:
        os.environ["CREWLINE_DATA_DIR"] = tmp
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("CREWLINE_DATA_DIR", None)
            else:
                os.environ["CREWLINE_DATA_DIR"] = before


def run(args: argparse.Namespace, folder: Path, modules: dict[str, types.ModuleType]) -> dict[str, Any]:
    rs = modules["run_sidebyside"]
    reqs, plans = load_requests(folder, args.requests)
    # the burst cycles through two-part requests: all of the file's, even when a count trims `reqs`
    own_file = args.requests if args.requests and not args.requests.isdigit() else None
    pool = [r for r in load_requests(folder, own_file)[0] if r["type"] == "two-part"] or reqs
    result: dict[str, Any] = {"latency_ms": args.latency_ms, "requests": len(reqs), "repeat": args.repeat}
    result.update(harness=str(folder), sections=args.only, build_failures={})
    oracles: list[Oracle] = []

    def serve(latency_ms: float) -> tuple[Oracle, list[System]]:
        oracle = Oracle(rs, latency_ms, folder / "plans.json")
        oracles.append(oracle)  # before anything else can fail: the finally below must stop it
        progress(f"oracle at {oracle.base}/v1, {latency_ms:g} ms a call")
        systems, failed = build_systems(folder, oracle.base + "/v1")
        result["build_failures"].update({f"{k} ({latency_ms:g} ms oracle)": v for k, v in failed.items()})
        return oracle, systems

    try:
        with _data_dir(), asyncio.Runner() as runner:
            bench = Bench(rs, runner, args.timeout, plans)
            if {"sidebyside", "concurrency"} & set(args.only):
                oracle, systems = serve(args.latency_ms)
            if "sidebyside" in args.only:
                progress(f"== 1. side by side: {len(reqs)} requests x {args.repeat}, one at a time")
                result["sidebyside"] = bench.sequential(systems, reqs, oracle.base, args.repeat)
            if "concurrency" in args.only:
                progress(f"== 2. concurrency: {args.concurrency} two-part requests at once")
                result["concurrency"] = bench.concurrent(systems, oracle, pool, args.concurrency, args.bursts)
            if "overhead" in args.only:
                if not oracles or args.latency_ms:  # the oracle's latency is fixed at its start
                    oracle, systems = serve(0.0)
                repeat = max(args.repeat, OVERHEAD_MIN_REPEAT)
                progress(f"== 3. overhead at 0 ms: {len(reqs)} requests x {repeat}, one at a time")
                per_request = bench.sequential(systems, reqs, oracle.base, repeat)
                progress(f"  import crewline + build, fresh interpreter x {args.startup_runs} ...")
                result["overhead"] = {"repeat": repeat, "per_request": per_request}
                result["overhead"]["startup"] = startup(folder, args.startup_runs)
    finally:
        for each in oracles:
            each.close()
    result["targets"] = targets(result, args.concurrency)
    return result


def compact(result: dict[str, Any]) -> dict[str, Any]:
    """The JSON report: per-request rows dropped (failures are kept), everything else as measured."""
    out = json.loads(json.dumps(result, default=str))
    for section in (out.get("sidebyside", {}), out.get("overhead", {}).get("per_request", {})):
        for entry in section.values():
            entry.pop("rows", None)
    return dict(out)


def _notes_line(notes: dict[str, Any] | None) -> str:
    if not notes:
        return ""
    line = (
        f"  crewline: {notes['escalated']} escalated, {notes['off_model_path']} off the model path, "
        f"{notes['misrouted']} routed unlike the plan, {notes['subtask_not_done']} with a subtask not done"
    )
    return line + "".join(f"\n    e.g. {e}" for e in notes["examples"][:3])


def print_tables(result: dict[str, Any], rs: types.ModuleType) -> None:
    order = [CREWLINE, SUBAGENTS, SUPERVISOR]
    if "sidebyside" in result:
        print(
            f"\n## 1. side by side: {result['requests']} requests x {result['repeat']}, one at a time, "
            f"{result['latency_ms']:g} ms a call (x_: ratio to {SUBAGENTS})"
        )
        for name in (n for n in order if n in result["sidebyside"]):
            entry = result["sidebyside"][name]
            print(f"\n== {name} ==")
            rs.print_table(entry["summary"], entry["vs_create_agent"])
            for f in entry["failures"]:
                print(f"  FAILED {f['id']}: {f['error'] or f['answer'][:200]}")
            if line := _notes_line(entry.get("crewline")):
                print(line)
    if conc := result.get("concurrency"):
        n = next(iter(conc.values()))["n"]
        bursts = next(iter(conc.values()))["bursts"]
        print(
            f"\n## 2. concurrency: {n} two-part requests at once, {result['latency_ms']:g} ms a call, "
            f"median of {bursts} bursts per system"
        )
        print(
            f"{'system':<26}{'wall_s':>8}{'req/s':>8}{'p50_s':>8}{'p95_s':>8}{'calls':>7}{'peak_par':>9}"
            f"{'success':>9}"
        )
        for name in (n for n in order if n in conc):
            c = conc[name]
            print(
                f"{name:<26}{c['wall_s']:>8.2f}{c['throughput_rps']:>8.1f}{c['p50_s']:>8.2f}{c['p95_s']:>8.2f}"
                f"{c['calls']:>7.1f}{c['peak_in_flight']:>9}{c['success']:>9.0%}"
            )
        if CREWLINE in conc and SUBAGENTS in conc:
            ratio = conc[CREWLINE]["throughput_rps"] / conc[SUBAGENTS]["throughput_rps"]
            peak, least = conc[CREWLINE]["peak_in_flight"], math.ceil(0.8 * n)
            print(f"throughput crewline / {SUBAGENTS}: {ratio:.2f}x (target >= 1.5)")
            print(f"crewline's peak model calls in flight: {peak} (target >= {least} of {n})")
        for name in (n for n in order if n in conc):
            for f in conc[name]["failures"][:3]:
                print(f"  FAILED {name} {f['id']}: {f['error'] or f['answer'][:200]}")
            if line := _notes_line(conc[name].get("crewline")):
                print(line)
    if over := result.get("overhead"):
        per = over["per_request"]
        print(
            f"\n## 3. overhead: per request at 0 ms a call, {result['requests']} requests x {over['repeat']}"
        )
        print(f"{'system':<26}{'median_ms':>10}{'p90_ms':>8}{'calls':>7}{'ms/call':>9}{'success':>9}")
        for name in (n for n in order if n in per):
            s = per[name]["summary"]["all"]
            print(
                f"{name:<26}{s['median_s'] * 1000:>10.1f}{s['p90_s'] * 1000:>8.1f}{s['calls']:>7.1f}"
                f"{s['median_s'] * 1000 / max(s['calls'], 1):>9.1f}{s['success']:>9.0%}"
            )
        st = over["startup"]
        if "error" in st:
            print(f"import crewline + build the crew, fresh interpreter: FAILED {st['error']}")
        else:
            client = "crewline's own import" if st["client_by_crewline"] else "not imported by crewline"
            print(
                f"import crewline + build the crew, fresh interpreter, median of {st['runs']}: "
                f"{st['import_build_s']:.2f} s (import {st['import_s']:.2f} s, build "
                f"{st['build_s'] - (0 if st['client_by_crewline'] else st['model_s']):.2f} s); "
                f"with the harness's ChatOpenAI ({client}) {st['with_model_s']:.2f} s, "
                f"whole process {st['process_s']:.2f} s"
            )
    if result["targets"]:
        print("\n## targets")
        for key, t in result["targets"].items():
            value = f"{t['value']:.2f}" if isinstance(t["value"], float) else str(t["value"])
            print(f"{key:<28}{value:>8}  (target {t['target']}): {'met' if t['met'] else 'NOT met'}")
    for name, why in result["build_failures"].items():
        print(f"\n{name} did not build: {why}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        folder = (args.harness or default_harness()).resolve()
        modules = open_harness(folder)
    except (HarnessMissing, ImportError) as exc:
        print(f"sidebyside: {exc}", file=sys.stderr)
        return 2
    stdout = sys.stdout
    # --json: stdout carries the one JSON object; anything a library prints goes to stderr meanwhile
    try:
        with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
            result = run(args, folder, modules)
    except KeyboardInterrupt:  # the oracles are already stopped (run's finally): no traceback for Ctrl-C
        print("sidebyside: interrupted", file=sys.stderr)
        return 130
    if args.json:
        stdout.write(json.dumps(compact(result), indent=1, default=str) + "\n")
    else:
        print_tables(result, modules["run_sidebyside"])
    return 1 if result["build_failures"] else 0


if __name__ == "__main__":
    # a plain `kill` ends the run through run's finally too, so no oracle server outlives it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
