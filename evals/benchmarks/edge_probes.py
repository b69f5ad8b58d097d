"""The server's edge probed the way issue 15 did, against a running ``langgraph dev``: each probe's
status, then what ``--requests`` made-up unauthenticated paths do to the metrics (series of
``crewline_http_requests``, size and time of a ``GET /metrics`` scrape).

    crewline keys create --user prober --tenant probe --role admin   # the key to pass
    python -m crewline.evals.benchmarks.edge_probes --url http://127.0.0.1:2024 --key KEY [--requests 5000]

Every probe should answer with a 4xx status and a message, never a 5xx.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

_LONE = b'"\\ud800"'


def _probes(client: httpx.Client) -> list[tuple[str, int, str]]:
    """``(probe, status, answer)``; status 0 when the server dropped the connection."""
    thread = client.post("/threads", json={}).json()["thread_id"]
    message = b'{"messages": [{"role": "user", "content": ' + _LONE + b"}]}"
    run_body = b'{"assistant_id": "support", "input": ' + message + b"}"
    meta_body = b'{"metadata": {"t": ' + _LONE + b"}}"
    json_type = {"content-type": "application/json"}
    big = "x" * (8 << 20)
    later = {"assistant_id": "refund", "input": {"order_id": "O-1001"}, "after_seconds": 3600}
    store_item = {"namespace": ["n"], "key": "k", "value": {"v": big}}
    probes: list[tuple[str, Callable[[], httpx.Response]]] = [
        ("lone surrogate in a run", lambda: client.post("/runs/wait", content=run_body, headers=json_type)),
        (
            "lone surrogate in thread metadata",
            lambda: client.post("/threads", content=meta_body, headers=json_type),
        ),
        (
            "body not UTF-8",
            lambda: client.post("/threads", content=b'{"metadata": "\xff"}', headers=json_type),
        ),
        ("8 MiB store value", lambda: client.put("/store/items", json=store_item)),
        ("8 MiB thread metadata", lambda: client.post("/threads", json={"metadata": {"v": big}})),
        ("re-create own thread id", lambda: client.post("/threads", json={"thread_id": thread})),
        ("batch of 1000 runs", lambda: client.post("/runs/batch", json=[later] * 1000)),
        ("made-up path", lambda: client.get(f"/probe/{secrets.token_hex(4)}")),
        ("health", lambda: client.get("/health")),
    ]
    answers = []
    for name, probe in probes:
        try:
            response = probe()
        except httpx.TransportError as exc:  # a reset connection is an answer too
            answers.append((name, 0, f"connection dropped: {exc}"))
            continue
        answers.append((name, response.status_code, response.text[:120]))
    return answers


def _series(client: httpx.Client) -> tuple[int, int, float]:
    started = time.perf_counter()
    response = client.get("/metrics")
    seconds = time.perf_counter() - started
    families = text_string_to_metric_families(response.text)
    count = sum(len(f.samples) for f in families if f.name == "crewline_http_requests")
    return count, len(response.content), seconds


def run(url: str, key: str, requests: int) -> dict[str, Any]:
    no_reuse = httpx.Limits(max_keepalive_connections=0)  # a dropped connection spoils no other probe
    with httpx.Client(base_url=url, headers={"x-api-key": key}, timeout=120, limits=no_reuse) as client:
        probes = _probes(client)
        before = _series(client)
        with httpx.Client(base_url=url, timeout=30) as anonymous:
            for n in range(requests):
                anonymous.get(f"/made-up-{n}/{secrets.token_hex(4)}")
        after = _series(client)
    return {
        "probes": [{"probe": name, "status": status, "answer": text} for name, status, text in probes],
        "server_errors": sum(status >= 500 or status == 0 for _, status, _ in probes),
        "made_up_requests": requests,
        "series_before": before[0],
        "series_after": after[0],
        "metrics_bytes_after": after[1],
        "scrape_seconds_after": round(after[2], 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:2024")
    parser.add_argument("--key", required=True, help="an API key of the server (admin role)")
    parser.add_argument("--requests", type=int, default=5000, help="made-up unauthenticated paths to send")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    report = run(args.url.rstrip("/"), args.key, args.requests)
    if args.json:
        print(json.dumps(report))
    else:
        for probe in report["probes"]:
            print(f"{probe['status']}  {probe['probe']}: {probe['answer']}")
        print(
            f"{report['made_up_requests']} made-up paths: crewline_http_requests series "
            f"{report['series_before']} -> {report['series_after']}; /metrics "
            f"{report['metrics_bytes_after'] / 1024:.0f} KiB in {report['scrape_seconds_after']} s"
        )
    return 1 if report["server_errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
