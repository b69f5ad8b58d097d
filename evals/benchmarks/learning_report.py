"""How the learning benchmark (:mod:`.learning`) prints its figures: one part at a time, as text."""

from __future__ import annotations

from typing import Any

__all__ = ["print_figures"]


def _print_part(name: str, part: dict[str, Any]) -> None:
    gate = part["gate"]
    flipped = f" ({part['flipped']} corrections flipped)" if "flipped" in part else ""
    print(f"\n{name}{flipped}: {gate['status']} ({gate['reason']})")
    stream = part["stream"]
    print(
        f"  stream: {stream['escalated']} of {stream['requests']} first answers escalated, "
        f"{stream['misrouted']} misrouted; {stream['rerouted']} re-routed by the person deciding"
    )
    for metric in ("held_out", "original"):
        print(f"  {metric:<9} accuracy {part['before'][metric]:.3f} -> {part['after'][metric]:.3f}")
    for name, share in part["before"]["unrelated_accepted"].items():
        after = part["after"]["unrelated_accepted"][name]
        print(f"  unrelated {name}: sent to a specialist {share:.3f} -> {after:.3f}")
    styles = (part["before"]["held_out_by_style"], part["after"]["held_out_by_style"])
    print(f"  held out by style: {styles[0]} -> {styles[1]}")
    print(f"  gate figures: candidate {gate['candidate']} vs current {gate['current']}")
    print(f"  checks (label noise, temperature): {gate['checks']}")
    live = part["live"]
    outcome = (
        f"rolled back after {live['rolled_back_after']} ({live['rollback_reason']})"
        if live["rolled_back_after"]
        else f"kept {live['current_after']}"
    )
    print(
        f"  live: {live['requests']} requests served by {live['served_by']}, {live['misrouted']} misrouted; "
        f"{outcome}; original set in service {live['original_in_service']:.3f}"
    )
    for version, stats in live["figures"].items():
        rates = {
            k: stats[k] for k in ("interactions", "escalation_rate", "out_of_scope_rate", "rejection_rate")
        }
        print(f"    {version}: {rates}")


def print_figures(figures: dict[str, Any]) -> None:
    trainer = figures["trainer"]
    print(
        f"planner: {figures['planner']}; seed {figures['seed']}; out of scope from generic requests: "
        f"{trainer['background_oos']}; label-noise test: {trainer['noise_check']}; "
        f"temperature chosen: {trainer['choose_temperature']}"
    )
    print(
        f"{figures['phrasings']} phrasings: {figures['stream']} replayed, {figures['held_out']} held out; "
        f"original evaluation set {figures['original_rows']} rows"
    )
    for name in ("learning", "poisoning", "poisoned_in_service"):
        if name in figures:
            _print_part(name, figures[name])
