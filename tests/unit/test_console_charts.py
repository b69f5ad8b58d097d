"""The console's charts page over audited runs of the small crew: who sees which interactions, the
window, the figures and plots, and the alert states."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from crewline.graphs.serving.console import CONTENT_SECURITY_POLICY
from tests.browser.charts_site import observed_run, seed_interactions
from tests.browser.console_site import CONSOLE, ConsoleWorld, console_world
from tests.support import crews


@pytest.fixture
def world() -> Iterator[ConsoleWorld]:
    crews.FROZEN.clear()
    with console_world() as found:
        seed_interactions(found)
        yield found


def _signed_in(world: ConsoleWorld, key: str) -> TestClient:
    client = TestClient(world.app, base_url="http://127.0.0.1")
    form = client.get(f"{CONSOLE}/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token
    done = client.post(
        f"{CONSOLE}/login", data={"csrf": token.group(1), "api_key": key}, follow_redirects=False
    )
    assert done.status_code == 303
    return client


def _total(html: str) -> int:
    found = re.search(r'<td id="total">(\d+)</td>', html)
    assert found, "no total on the page"
    return int(found.group(1))


def test_an_approver_charts_the_tenants_interactions(world: ConsoleWorld) -> None:
    client = _signed_in(world, world.key("bob", "approver"))
    page = client.get(f"{CONSOLE}/charts?window=1h")
    assert page.status_code == 200 and page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    html = page.text
    assert _total(html) == 4  # acme's four turns, none of globex's
    assert "75.0%" in html and "25.0%" in html  # containment 3/4, escalation 1/4
    svgs = re.findall(r"<svg .*?</svg>", html, flags=re.S)
    assert len(svgs) == 6
    for svg in svgs:
        ET.fromstring(svg)  # each one well-formed
    for title in ("Requests", "Response time p50 / p95", "Escalation and containment rates",
                  "Groundedness failures", "Cost per interaction"):  # fmt: skip
        assert f'aria-label="{title}"' in html
    specialists = html[html.index('id="specialists"') :]
    assert "<td>weather</td><td>2</td>" in specialists and "<td>billing</td><td>1</td>" in specialists
    assert "n/a" not in specialists[: specialists.index("</section>")]  # escalated turns have one too
    paths = html[html.index('id="paths"') :]
    assert re.search(r"<td>\w+</td><td>4</td>", paths)  # the small crew answers on one path
    assert 'id="alerts"' in html and "confidence_low" in html
    assert client.get(f"{CONSOLE}/charts?window=1y").status_code == 400


def test_a_user_charts_only_their_own_and_sees_no_alerts(world: ConsoleWorld) -> None:
    observed_run(world, "is it sunny in Rome", user="una")
    html = _signed_in(world, world.key("una", "user")).get(f"{CONSOLE}/charts").text
    assert _total(html) == 1 and 'id="alerts"' not in html
    assert "Your own interactions" in html


def test_charts_need_a_session(world: ConsoleWorld) -> None:
    client = TestClient(world.app, base_url="http://127.0.0.1")
    response = client.get(f"{CONSOLE}/charts", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"{CONSOLE}/login"


def test_crewline_console_charts_this_machines_untenanted_runs_too(world: ConsoleWorld) -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from crewline.graphs.serving.console import LocalCrew, create_console

    observed_run(world, "is the air clean today", user="cli:me", tenant=None)  # as `crewline run`
    world.app = Starlette(routes=[Mount(CONSOLE, create_console(LocalCrew.of(world.graph), untenanted=True))])
    html = _signed_in(world, world.key("bob", "approver")).get(f"{CONSOLE}/charts?window=7d").text
    assert _total(html) == 5  # acme's four and the machine's own; globex's stays out
