"""The API keys' audit trail (`GET /api-keys/audit`, `kgplatform keys history`), against the real graph: each
creation, change of classes and revocation, by the API or the CLI, is one entry naming who made it, written
with the change; a refused change writes none; no entry or answer holds a secret or a hash."""

from __future__ import annotations

import getpass
import json
import threading
from typing import Any

from typer.testing import CliRunner

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.cli import app
from kgplatform.errors import ValidationFailed
from tests.integration.api.harness import Api

FIELDS = ("action", "actor", "key_id", "key_name", "role", "classes", "classes_before")


def _trail(api: Api, **params: Any) -> dict[str, Any]:
    response = api.call("GET", "/api-keys/audit", role=Role.ADMIN, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _entries(api: Api, key_id: str) -> list[tuple[Any, ...]]:
    return [tuple(item[field] for field in FIELDS) for item in _trail(api, key_id=key_id)["items"]]


def test_each_change_through_the_api_is_one_entry_naming_the_admin_key(api: Api) -> None:
    admin = api.actors[Role.ADMIN]
    created = api.call(
        "POST", "/api-keys", role=Role.ADMIN, json={"name": "ms-okafor", "role": "teacher", "classes": ["7B"]}
    )
    assert created.status_code == 201, created.text
    key = created.json()
    path = f"/api-keys/{key['id']}"
    for body in ({"classes": ["8A", "8B"]}, {"classes": ["8A", "8B"]}, {"unscoped": True}):
        assert api.call("PATCH", path, role=Role.ADMIN, json=body).status_code == 200
    assert api.call("DELETE", path, role=Role.ADMIN).status_code == 200
    assert api.call("DELETE", path, role=Role.ADMIN).status_code == 200  # revoked already: no second entry

    kid, name = key["id"], "ms-okafor"
    assert _entries(api, kid) == [  # newest first; the same list again changed nothing and left no entry
        ("revoke", admin, kid, name, "teacher", [], None),
        ("update", admin, kid, name, "teacher", [], ["8A", "8B"]),
        ("update", admin, kid, name, "teacher", ["8A", "8B"], ["7B"]),
        ("create", admin, kid, name, "teacher", ["7B"], None),
    ]
    trail = _trail(api, key_id=kid)
    times = [item["at"] for item in trail["items"]]
    assert trail["total"] == 4 and times == sorted(times, reverse=True)
    page = _trail(api, key_id=kid, offset=1, limit=2)
    assert page["total"] == 4 and [i["id"] for i in page["items"]] == [i["id"] for i in trail["items"][1:3]]

    everyone = api.call("GET", "/api-keys/audit", role=Role.ADMIN, params={"limit": 500})
    assert everyone.status_code == 200
    # The harness's four keys (one per role) and this one's four entries; no secret or hash anywhere.
    assert everyone.json()["total"] == 8 and everyone.json()["items"][0]["id"] == trail["items"][0]["id"]
    for secret in (key["secret"], *api.secrets.values()):
        for text in (everyone.text, json.dumps(trail)):
            assert secret not in text and auth.hash_secret(secret) not in text
    assert _trail(api, key_id="never-issued") == {"total": 0, "items": [], "next": None, "archived": None}


def test_a_refused_change_writes_no_entry(api: Api) -> None:
    service_key = api.call(
        "POST", "/api-keys", role=Role.ADMIN, json={"name": "lms", "role": "service"}
    ).json()
    teacher = auth.issue_key(api.graph, role=Role.TEACHER, name="t", classes=["7B"], actor="tests")
    before = _trail(api)["total"]

    refused = [
        ("PATCH", f"/api-keys/{service_key['id']}", {"classes": ["7B"]}, 409),  # not a teacher key
        ("PATCH", f"/api-keys/{teacher.id}", {"remove_classes": ["7B"]}, 409),  # would leave none
        ("PATCH", f"/api-keys/{teacher.id}", {"classes": ["7 B"]}, 422),  # a malformed class id
        ("PATCH", "/api-keys/no-such-key", {"classes": ["7B"]}, 404),
        ("DELETE", "/api-keys/no-such-key", None, 404),
        ("POST", "/api-keys", {"name": "x", "role": "service", "classes": ["7B"]}, 422),  # classes: teachers
    ]
    for method, path, body, status in refused:
        response = api.call(method, path, role=Role.ADMIN, json=body)
        assert response.status_code == status, (method, path, response.text)
    assert api.call("DELETE", f"/api-keys/{teacher.id}", role=Role.ADMIN).status_code == 200
    revoked = api.call("PATCH", f"/api-keys/{teacher.id}", role=Role.ADMIN, json={"classes": ["8A"]})
    assert revoked.status_code == 409 and revoked.json()["field"] == "key_id"

    trail = _trail(api)
    assert trail["total"] == before + 1  # the revocation only
    assert [(i["action"], i["key_id"]) for i in trail["items"][:1]] == [("revoke", teacher.id)]


def test_only_an_admin_key_reads_the_trail(api: Api) -> None:
    for role in (Role.SERVICE, Role.TEACHER, Role.DESIGNER):
        assert api.call("GET", "/api-keys/audit", role=role).status_code == 403
    assert api.client.get("/api-keys/audit").status_code == 401
    refused = api.call("GET", "/api-keys/audit", role=Role.ADMIN, params={"key_id": "k" * 1000})
    assert refused.status_code == 422 and refused.json()["field"] == "key_id"


def test_two_revocations_at_once_write_one_entry(api: Api) -> None:
    """The key is locked before it is read: both would otherwise read "not revoked" and record it. Exactly
    one of them says it revoked the key (`keys revoke` prints the others as "revoked before"): the CLI read
    the key before revoking it, and two operators at once could both be told they had revoked it."""
    key = auth.issue_key(api.graph, role=Role.SERVICE, name="twice", actor="tests")
    barrier = threading.Barrier(4)
    revoked_now: list[bool] = []

    def revoke() -> None:
        barrier.wait()
        revoked_now.append(auth.revoke_key(api.graph, key.id, actor="tests")[1])

    threads = [threading.Thread(target=revoke) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [entry[0] for entry in _entries(api, key.id)] == ["revoke", "create"]
    assert sorted(revoked_now) == [False, False, False, True]


def test_the_cli_records_its_changes_as_cli_and_the_os_user_and_shows_the_history(api: Api) -> None:
    runner = CliRunner()
    created = runner.invoke(app, ["keys", "create", "--role", "teacher", "--name", "mr-lee", "--json"])
    assert created.exit_code == 0, created.output
    key = json.loads(created.output)
    for args in (["update", key["id"], "--class", "7C"], ["revoke", key["id"]], ["revoke", key["id"]]):
        result = runner.invoke(app, ["keys", *args])
        assert result.exit_code == 0, result.output
    actor = f"cli:{getpass.getuser()}"
    kid = key["id"]
    assert _entries(api, kid) == [
        ("revoke", actor, kid, "mr-lee", "teacher", ["7C"], None),
        ("update", actor, kid, "mr-lee", "teacher", ["7C"], []),
        ("create", actor, kid, "mr-lee", "teacher", [], None),
    ]

    history = runner.invoke(app, ["keys", "history", kid, "--json"])
    assert history.exit_code == 0, history.output
    assert json.loads(history.stdout) == _trail(api, key_id=kid)
    table = runner.invoke(app, ["keys", "history", "--limit", "2"], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert (
        kid in table.stdout and "every learner -> classes 7C" in table.stdout and "2 of " not in table.stdout
    )
    assert "1-2 of 7 entries; next page: --cursor " in table.stderr  # the harness's four keys and these three
    # The next pages by cursor (since 4 December 2026), as --json and stderr give it, list what offsets do.
    first = json.loads(runner.invoke(app, ["keys", "history", "--limit", "3", "--json"]).stdout)
    second = runner.invoke(app, ["keys", "history", "--limit", "3", "--json", "--cursor", first["next"]])
    assert second.exit_code == 0, second.output
    by_offset = runner.invoke(app, ["keys", "history", "--limit", "3", "--json", "--offset", "3"])
    assert json.loads(second.stdout)["items"] == json.loads(by_offset.stdout)["items"]
    next_cursor = table.stderr.rsplit("--cursor ", 1)[1].strip()
    rest = runner.invoke(
        app, ["keys", "history", "--limit", "5", "--cursor", next_cursor], env={"COLUMNS": "200"}
    )
    assert rest.exit_code == 0 and "5 after the cursor, of 7 entries" in rest.stderr, rest.output
    assert "next page" not in rest.stderr
    for bad in (["--cursor", "not-a-cursor"], ["--cursor", first["next"], "--offset", "0"]):
        refused = runner.invoke(app, ["keys", "history", *bad])
        # main() prints a ValidationFailed's message and exits 2 (a usage error); nothing was read.
        assert isinstance(refused.exception, ValidationFailed), (bad, refused.output)
        assert refused.exception.field == "cursor", bad
    for text in (history.output, table.output):
        assert key["secret"] not in text and auth.hash_secret(key["secret"]) not in text


def test_the_cli_history_takes_since_and_until_as_the_route_does(api: Api) -> None:
    """`keys history --since/--until` (since 4 December 2026) list what `GET /api-keys/audit?since=&until=`
    lists, and refuse what it refuses (exit 2, the option named), before anything is read."""
    runner = CliRunner()
    for name in ("k1", "k2", "k3"):
        assert runner.invoke(app, ["keys", "create", "--role", "designer", "--name", name]).exit_code == 0
    whole = _trail(api)["items"]
    since, until = whole[3]["at"], whole[1]["at"]  # three entries, both bounds inclusive
    history = runner.invoke(app, ["keys", "history", "--since", since, "--until", until, "--json"])
    assert history.exit_code == 0, history.output
    listed = json.loads(history.stdout)
    assert listed == _trail(api, since=since, until=until)
    assert [i["id"] for i in listed["items"]] == [i["id"] for i in whole[1:4]] and listed["total"] == 3
    table = runner.invoke(app, ["keys", "history", "--until", until, "--limit", "2"], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert f"1-2 of {len(whole) - 1} entries in the time given; next page: --cursor " in table.stderr
    for bad, option in (
        (["--since", "yesterday"], "--since"),
        (["--until", "2026-12-03T09:00:00"], "--until"),  # no zone
        (["--since", "2026"], "--since"),  # a number is no time
        (["--since", until, "--until", since], "--until"),
    ):
        refused = runner.invoke(app, ["keys", "history", *bad])
        assert isinstance(refused.exception, ValidationFailed), (bad, refused.output)
        assert refused.exception.field == option, (bad, refused.exception)
    # As the CLI's main() shows it: one line naming the option, exit 2.
    usage = runner.invoke(app, ["keys", "history", "--until", "2026-12-03T09:00:00"])
    assert "`--until` '2026-12-03T09:00:00': " in str(usage.exception) and "timezone" in str(usage.exception)
