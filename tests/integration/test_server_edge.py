"""The server's edge under attack, against a real ``langgraph dev``: run-counted and failed-auth rate
limits, bounded metric labels, one body limit, invalid Unicode, dotted names in the store, thread-id
collisions across owners, and a health check that sees a backend go down.

One server for the module, on a Redis of its own (checkpoints and rate limits) that the last test
stops and starts again. Limits are small so they show: 20 runs a minute per user, 5 failed
authentications a minute per client address, 256 KiB bodies.
"""

from __future__ import annotations

import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.langgraph_server import LangGraphServer, _free_port, langgraph_server

pytestmark = pytest.mark.server

USER_LIMIT = 20  # runs (and requests) a minute per user
AUTH_FAILURES = 5  # failed authentications a minute per client address
MAX_BODY = 256 * 1024


class RedisServer:
    """A private ``redis-server`` on loopback that a test may stop and start again."""

    def __init__(self, directory: Path) -> None:
        self.port = _free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while (
            subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, check=False
            ).stdout.strip()
            != b"PONG"
        ):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    running = RedisServer(tmp_path_factory.mktemp("redis"))
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer) -> Iterator[LangGraphServer]:
    env = {
        "CREWLINE_RATE_LIMIT_USER": f"{USER_LIMIT}/min",
        "CREWLINE_RATE_LIMIT_TENANT": "10000/min",
        "CREWLINE_RATE_LIMIT_AUTH_FAILURES": f"{AUTH_FAILURES}/min",
        "CREWLINE_MAX_BODY_BYTES": str(MAX_BODY),
        "CREWLINE_REDIS_URL": f"{redis_server.url}/0",
        "CREWLINE_CHECKPOINT_URL": f"{redis_server.url}/1",
    }
    with langgraph_server(tmp_path_factory.mktemp("edge"), env=env) as running:
        yield running


def _key(server: LangGraphServer, user: str, tenant: str = "acme", role: str = "user") -> dict[str, str]:
    return {"x-api-key": server.create_key(f"{user}-{secrets.token_hex(3)}", tenant, role)}


def _scheduled_run() -> dict[str, Any]:
    """A run that waits an hour before it starts: the batch test creates runs, not work."""
    return {"assistant_id": "refund", "input": {"order_id": "O-1001"}, "after_seconds": 3600}


def test_a_batch_takes_one_rate_limit_token_per_run(server: LangGraphServer) -> None:
    headers = _key(server, "batcher")
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        refused = client.post("/runs/batch", json=[_scheduled_run()] * 60)
        assert refused.status_code == 429, refused.text[:300]
        assert "60 runs" in refused.json()["detail"] and int(refused.headers["retry-after"]) >= 1
        assert client.post("/threads/search", json={}).json() == []  # nothing was created

        created = client.post("/runs/batch", json=[_scheduled_run()] * 15)
        assert created.status_code == 200 and len(created.json()) == 15, created.text[:300]
        again = client.post("/runs/batch", json=[_scheduled_run()] * 15)  # 5 tokens left, not 15
        assert again.status_code == 429 and "retry-after" in again.headers, again.text[:300]
        assert len(client.post("/threads/search", json={"limit": 100}).json()) == 15


def test_failed_keys_are_rate_limited_per_client_address(server: LangGraphServer) -> None:
    good = _key(server, "guessed")
    # 127.0.0.2 is loopback too: the key guesser has an address of its own, the other tests keep theirs
    guesser = httpx.Client(
        base_url=server.url, transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=30
    )
    with guesser:
        statuses = []
        for _ in range(AUTH_FAILURES + 1):
            guess = f"cl_{secrets.token_hex(6)}_{secrets.token_urlsafe(24)}"
            statuses.append(guesser.post("/threads/search", json={}, headers={"x-api-key": guess}))
        assert [r.status_code for r in statuses] == [401] * AUTH_FAILURES + [429]
        refused = statuses[-1]
        assert "failed authentications" in refused.json()["detail"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60 // AUTH_FAILURES + 1
        # while it is refused, a good key from that address learns nothing either
        assert guesser.post("/threads/search", json={}, headers=good).status_code == 429
    # another address is not affected
    assert httpx.post(f"{server.url}/threads/search", json={}, headers=good).status_code == 200


def _request_series(server: LangGraphServer) -> list[dict[str, str]]:
    text = httpx.get(f"{server.url}/crewline/metrics", timeout=30).text
    return [
        dict(sample.labels)
        for family in text_string_to_metric_families(text)
        if family.name == "crewline_http_requests"
        for sample in family.samples
        if sample.name == "crewline_http_requests_total"
    ]


def test_made_up_paths_add_no_metric_series(server: LangGraphServer) -> None:
    headers = _key(server, "scraper")
    thread = httpx.post(f"{server.url}/threads", json={}, headers=headers).json()["thread_id"]
    assert httpx.get(f"{server.url}/threads/{thread}", headers=headers).status_code == 200
    with httpx.Client(base_url=server.url, timeout=30) as anonymous:
        for n in range(300):  # unauthenticated: 401 on every path, known or not
            assert anonymous.get(f"/probe-{n}/{secrets.token_hex(4)}").status_code == 401
        before = len(_request_series(server))
        for n in range(300):
            anonymous.request(("GET", "POST", "DELETE")[n % 3], f"/threads/{secrets.token_hex(8)}/x{n}")
            anonymous.get(f"/another-{n}")
    series = _request_series(server)
    assert len(series) <= before + 3, len(series) - before  # at most the new methods of one label
    routes = {s["route"] for s in series}
    assert not any("probe-" in r or "another-" in r or "/x" in r for r in routes), routes
    assert "unmatched" in routes
    assert "/threads/{thread_id}" in routes  # a known route by its template, never its ids


def test_one_body_limit_on_every_route(server: LangGraphServer) -> None:
    headers = _key(server, "bulky")
    big = "x" * (MAX_BODY + 1024)
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        thread = client.post("/threads", json={}).json()["thread_id"]
        attempts = {
            "store value": client.put(
                "/store/items", json={"namespace": ["n"], "key": "k", "value": {"v": big}}
            ),
            "thread metadata": client.post("/threads", json={"metadata": {"note": big}}),
            "thread update": client.patch(f"/threads/{thread}", json={"metadata": {"note": big}}),
            "run": client.post(f"/threads/{thread}/runs", json={**_scheduled_run(), "metadata": {"n": big}}),
        }
        for what, response in attempts.items():
            assert response.status_code == 413, (what, response.status_code, response.text[:200])
            assert str(MAX_BODY) in response.json()["detail"], what
        small = client.put("/store/items", json={"namespace": ["n"], "key": "k", "value": {"v": "x" * 1000}})
        assert small.status_code == 204, small.text[:300]


def test_invalid_unicode_in_any_field_is_a_clear_refusal(server: LangGraphServer) -> None:
    headers = {**_key(server, "unicode"), "content-type": "application/json"}
    lone = b'"\\ud800"'
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        thread = client.post("/threads", json={}).json()["thread_id"]
        message = b'{"messages": [{"role": "user", "content": ' + lone + b"}]}"
        bodies = {
            "/runs/wait": b'{"assistant_id": "support", "input": ' + message + b"}",
            f"/threads/{thread}/runs/wait": b'{"assistant_id": "support", "input": ' + message + b"}",
            "/threads": b'{"metadata": {"topic": ' + lone + b"}}",
            "/store/items/search": b'{"namespace_prefix": [' + lone + b"]}",
            "/assistants": b'{"graph_id": "support", "name": ' + lone + b"}",
        }
        for path, body in bodies.items():
            response = client.post(path, content=body)
            assert response.status_code == 422, (path, response.status_code, response.text[:200])
            assert "lone surrogate" in response.json()["detail"], path
        key = client.put("/store/items", content=b'{"namespace": ["n"], "key": ' + lone + b', "value": {}}')
        assert key.status_code == 422 and "key" in key.json()["detail"], key.text[:300]
        not_utf8 = client.post("/threads", content=b'{"metadata": {"topic": "\xff"}}')
        assert not_utf8.status_code == 400 and "UTF-8" in not_utf8.json()["detail"]
        assert client.get(f"/threads/{thread}").status_code == 200  # the connection and server are fine


def test_dotted_user_and_tenant_names_use_the_store(server: LangGraphServer) -> None:
    tag = secrets.token_hex(3)
    dotted = {"x-api-key": server.create_key(f"a.lice.{tag}", f"acme.example.{tag}")}
    item = {"namespace": ["notes"], "key": "k1", "value": {"text": "dotted"}}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.put("/store/items", json=item, headers=dotted).status_code == 204
        got = client.get("/store/items", params={"namespace": "notes", "key": "k1"}, headers=dotted)
        assert got.status_code == 200 and got.json()["value"] == {"text": "dotted"}, got.text[:300]
        found = client.post("/store/items/search", json={"namespace_prefix": ["notes"]}, headers=dotted)
        assert [i["key"] for i in found.json()["items"]] == ["k1"]
        gone = client.request(
            "DELETE", "/store/items", json={"namespace": ["notes"], "key": "k1"}, headers=dotted
        )
        assert gone.status_code == 204


def test_another_owners_thread_id_is_not_confirmed(server: LangGraphServer) -> None:
    owner = _key(server, "owner")
    stranger = _key(server, "stranger", tenant=f"other-{secrets.token_hex(3)}", role="admin")
    with httpx.Client(base_url=server.url, timeout=30) as client:
        taken = client.post("/threads", json={"metadata": {"topic": "mine"}}, headers=owner).json()[
            "thread_id"
        ]
        read = client.get(f"/threads/{taken}", headers=stranger)
        assert read.status_code == 404
        for body in ({"thread_id": taken}, {"thread_id": taken, "if_exists": "do_nothing"}):
            answer = client.post("/threads", json=body, headers=stranger)
            assert answer.status_code == 404, answer.text  # as reading it: not "already exists"
            assert "already exists" not in answer.text and "mine" not in answer.text
        assistant = client.post(
            "/assistants", json={"graph_id": "support", "name": "own", "metadata": {}}, headers=owner
        ).json()["assistant_id"]
        copied = client.post(
            "/assistants", json={"graph_id": "support", "assistant_id": assistant}, headers=stranger
        )
        assert copied.status_code == 404, copied.text[:300]
        # the owner knows their own thread: the API's answer stands
        assert client.post("/threads", json={"thread_id": taken}, headers=owner).status_code == 409
        assert client.get(f"/threads/{taken}", headers=owner).json()["metadata"]["topic"] == "mine"


def test_health_reports_each_backend_and_fails_when_one_is_down(
    server: LangGraphServer, redis_server: RedisServer
) -> None:
    healthy = httpx.get(f"{server.url}/crewline/health", timeout=30)
    checks = healthy.json()["checks"]
    assert healthy.status_code == 200, healthy.text[:300]
    assert {"audit_log", "api_keys", "checkpointer", "store", "rate_limiter"} <= set(checks)
    assert all(answer == "ok" for answer in checks.values()), checks
    redis_server.stop()
    try:
        down = httpx.get(f"{server.url}/crewline/health", timeout=30)
        assert down.status_code == 503, down.text[:300]
        assert down.json()["checks"]["checkpointer"].startswith("error")
        assert down.json()["checks"]["rate_limiter"].startswith("error")
        assert down.json()["checks"]["audit_log"] == "ok"
    finally:
        redis_server.start()
    assert httpx.get(f"{server.url}/crewline/health", timeout=30).status_code == 200
