"""``crewline models``: register, canary, promote, rollback, list; bad input is one line and exit 2."""

from __future__ import annotations

import json

import pytest

from crewline.cli import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(["models", *args])
    except SystemExit as exc:  # argparse's own refusals
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_rollout_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "register", "support", "--model", "openai:gpt-4o-mini")[0] == 0
    code, out, _ = _run(
        capsys, "register", "support", "--model", "openai:gpt-4.1", "--fallback", "openai:gpt-4o-mini"
    )
    assert code == 0 and json.loads(out)["version"] == "v0002"
    code, out, _ = _run(capsys, "canary", "support", "--percent", "25")
    assert json.loads(out) == {"name": "support", "stable": "v0001", "canary": "v0002", "percent": 25.0}
    code, out, _ = _run(capsys, "list", "--json")
    listed = json.loads(out)["models"][0]
    assert [(v["version"], v["status"]) for v in listed["versions"]] == [
        ("v0001", "stable"),
        ("v0002", "canary"),
    ]
    code, out, _ = _run(capsys, "promote", "support")
    assert json.loads(out)["stable"] == "v0002"
    code, out, _ = _run(capsys, "rollback", "support")
    assert code == 0 and json.loads(out)["stable"] == "v0001"
    code, out, _ = _run(capsys, "list")
    assert code == 0 and "v0002" in out and "rolled_back" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("canary", "nobody", "--percent", "10"), "no model registered for 'nobody'"),
        (("register", "nobody", "--model", "openai:x"), "unknown crew 'nobody'"),
        (("register", "support/nobody", "--model", "openai:x"), "has no specialist 'nobody'"),
        (("register", "support", "--model", "nosuch:model"), "unknown provider 'nosuch'"),
        (("canary", "support", "--percent", "120"), "a percentage in (0, 100], not 120"),
        (("canary", "support", "--percent", "0"), "a percentage in (0, 100], not 0"),
        (("canary", "support", "--percent", "ten"), "not a number: 'ten'"),
        (("rollback", "support"), "nothing to roll back"),
        (("canary", "support", "--percent", "10"), "no candidate version"),
        (("promote", "support", "--version", "v0042"), "has no version 'v0042'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    assert _run(capsys, "register", "support", "--model", "openai:gpt-4o-mini")[0] == 0
    code, _, err = _run(capsys, *args)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2  # argparse adds its usage line; crewline's own: one line


def test_list_shows_the_learned_routers_beside_the_chat_models(capsys: pytest.CaptureFixture[str]) -> None:
    import time

    from crewline.memory.learning.registry import RouterRegistry, VersionRecord

    record = VersionRecord(version="", status="promoted", created=time.time(), reason="gate passed")
    RouterRegistry("support").add_version(record, lambda path: path.write_bytes(b"x"), promote=True)
    code, out, _ = _run(capsys, "list", "--json")
    routers = json.loads(out)["routers"]
    assert code == 0 and [(r["kind"], r["name"], r["current"]) for r in routers] == [
        ("router", "support", "v0001")
    ]
    code, out, _ = _run(capsys, "list")
    assert "learned router" in out
