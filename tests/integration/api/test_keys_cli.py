"""`kgplatform keys create|list|revoke` against the real Neo4j: the secret is printed once, then works."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from kgplatform.auth import service as auth
from kgplatform.cli import app
from kgplatform.graph.driver import Graph


def test_create_prints_a_working_secret_once_list_hides_it_revoke_stops_it(graph: Graph) -> None:
    runner = CliRunner()
    created = runner.invoke(app, ["keys", "create", "--role", "designer", "--name", "dana"])
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("kgp_")
    principal = auth.store.find_live_key(graph, auth.hash_secret(secret))
    assert principal is not None and (principal.name, principal.role.value) == ("dana", "designer")

    listed = runner.invoke(app, ["keys", "list"])
    assert listed.exit_code == 0 and "dana" in listed.output and secret not in listed.output

    assert runner.invoke(app, ["keys", "revoke", principal.key_id]).exit_code == 0
    assert auth.store.find_live_key(graph, auth.hash_secret(secret)) is None


def test_unknown_role_is_refused_and_nothing_is_stored(graph: Graph) -> None:
    result = CliRunner().invoke(app, ["keys", "create", "--role", "root", "--name", "x"])
    assert result.exit_code != 0
    assert auth.list_keys(graph) == []


def test_list_shows_whole_ids_on_a_narrow_terminal(graph: Graph) -> None:
    """An id cut to fit 80 columns ("4d13b33c...") could not be given to `keys revoke`."""
    runner = CliRunner()
    name = "a-name-long-enough-to-crowd-an-eighty-column-terminal"
    assert runner.invoke(app, ["keys", "create", "--role", "service", "--name", name]).exit_code == 0
    (key,) = auth.list_keys(graph)
    # A terminal (rich's TTY_COMPATIBLE): piped, each row is printed whole on one line instead.
    listed = runner.invoke(app, ["keys", "list"], env={"COLUMNS": "80", "TTY_COMPATIBLE": "1"})
    assert listed.exit_code == 0, listed.output
    assert key.id in listed.output
    assert max(len(line) for line in listed.output.splitlines()) <= 80
    assert runner.invoke(app, ["keys", "revoke", key.id]).exit_code == 0


def test_create_json_gives_a_script_the_id_and_the_working_secret(graph: Graph) -> None:
    created = CliRunner().invoke(app, ["keys", "create", "--role", "service", "--name", "lms", "--json"])
    assert created.exit_code == 0, created.output
    issued = json.loads(created.output)
    assert (issued["name"], issued["role"], issued["revoked"]) == ("lms", "service", False)
    principal = auth.store.find_live_key(graph, auth.hash_secret(issued["secret"]))
    assert principal is not None and principal.key_id == issued["id"]


def test_every_role_can_be_created_and_keys_stored_before_the_teacher_role_still_load(graph: Graph) -> None:
    """`--role teacher` works like the others; the keys a deployment stored before the role existed (the role
    is stored as its value, with no list of allowed values in the graph) are found and listed unchanged."""
    from kgplatform.auth.models import Role

    old = {value: auth.hash_secret(f"kgp_old-{value}") for value in ("designer", "service", "admin")}
    for value, key_hash in old.items():
        # classes null: no property is written, as on every key stored before classes (4 December 2026).
        graph.write(
            "auth/create_api_key",
            id=f"old-{value}",
            key_hash=key_hash,
            role=value,
            name=f"old {value}",
            classes=None,
        )
    runner = CliRunner()
    for role in Role:
        created = runner.invoke(
            app, ["keys", "create", "--role", role.value, "--name", f"new {role.value}", "--json"]
        )
        assert created.exit_code == 0, created.output
        principal = auth.store.find_live_key(graph, auth.hash_secret(json.loads(created.output)["secret"]))
        assert principal is not None and principal.role is role
    for value, key_hash in old.items():
        principal = auth.store.find_live_key(graph, key_hash)
        assert principal is not None and principal.role is Role(value)
        assert principal.classes == (), "a key stored before classes reads every learner, as it did"
    scoped = runner.invoke(
        app,
        ["keys", "create", "--role", "teacher", "--name", "7b", "--class", "7B", "--class", "7C", "--json"],
    )
    assert scoped.exit_code == 0, scoped.output
    # No roster was sent for either class: said on stderr, stdout still the one JSON object.
    assert "note: no roster for class 7B, 7C yet" in scoped.stderr
    principal = auth.store.find_live_key(graph, auth.hash_secret(json.loads(scoped.stdout)["secret"]))
    assert principal is not None and principal.classes == ("7B", "7C")
    from kgplatform.classes import service as classes

    classes.replace_roster(graph, "7B", [], actor="test")
    again = runner.invoke(app, ["keys", "create", "--role", "teacher", "--name", "7b", "--class", "7B"])
    assert again.exit_code == 0 and again.stderr == "", again.stderr
    listed = json.loads(runner.invoke(app, ["keys", "list", "--json"]).output)
    assert sorted((key["name"], key["role"]) for key in listed) == sorted(
        [(f"old {value}", value) for value in old]
        + [(f"new {role.value}", role.value) for role in Role]
        + [("7b", "teacher")] * 2
    )
    assert sorted(key["classes"] for key in listed if key["name"] == "7b") == [["7B"], ["7B", "7C"]]


def test_update_changes_a_teacher_keys_classes_and_refuses_what_it_cannot_change(graph: Graph) -> None:
    """`keys update` (a teacher moving class keeps their key): the stored classes change, a class with no
    roster is noted on stderr as on create, and a refusal of the key's state is exit 4 with nothing
    changed (`main` maps Conflict and NotFound to exit 4; the runner calls the app under it)."""
    from kgplatform.classes import service as classes
    from kgplatform.errors import Conflict, NotFound

    runner = CliRunner()
    created = runner.invoke(
        app,
        ["keys", "create", "--role", "teacher", "--name", "lee", "--class", "7B", "--class", "7C", "--json"],
    )
    issued = json.loads(created.stdout)
    key_id, key_hash = issued["id"], auth.hash_secret(issued["secret"])
    classes.replace_roster(graph, "7C", [], actor="test")

    narrowed = runner.invoke(app, ["keys", "update", key_id, "--remove-class", "7B"])
    assert narrowed.exit_code == 0, narrowed.output
    assert f"updated key {key_id} (teacher, 'lee'): classes 7B, 7C -> classes 7C" in " ".join(
        narrowed.stdout.split()
    )
    assert narrowed.stderr == ""
    principal = auth.store.find_live_key(graph, key_hash)
    assert principal is not None and principal.classes == ("7C",)

    moved = runner.invoke(app, ["keys", "update", key_id, "--class", "8A", "--json"])
    assert moved.exit_code == 0, moved.output
    assert json.loads(moved.stdout)["classes"] == ["8A"]
    assert json.loads(moved.stdout)["classes_without_roster"] == ["8A"]
    assert "note: no roster for class 8A yet" in moved.stderr

    # An empty scope is not "every learner": refused, and said which option widens the key instead.
    emptied = runner.invoke(app, ["keys", "update", key_id, "--remove-class", "8A"])
    assert isinstance(emptied.exception, Conflict) and "send --unscoped for that" in str(emptied.exception)
    widened = runner.invoke(app, ["keys", "update", key_id, "--unscoped"])
    assert widened.exit_code == 0 and "classes 8A -> every learner" in " ".join(widened.stdout.split()), (
        widened.output
    )
    principal = auth.store.find_live_key(graph, key_hash)
    assert principal is not None and principal.classes == ()

    service_key = json.loads(
        runner.invoke(app, ["keys", "create", "--role", "service", "--name", "lms", "--json"]).stdout
    )
    refused = runner.invoke(app, ["keys", "update", service_key["id"], "--class", "7B"])
    assert isinstance(refused.exception, Conflict) and "only a teacher key" in str(refused.exception)
    assert runner.invoke(app, ["keys", "revoke", key_id]).exit_code == 0
    revoked = runner.invoke(app, ["keys", "update", key_id, "--class", "7B"])
    assert isinstance(revoked.exception, Conflict) and "is revoked" in str(revoked.exception)
    unknown = runner.invoke(app, ["keys", "update", "no-such-key", "--class", "7B"])
    assert isinstance(unknown.exception, NotFound)
    assert {key.id: key.classes for key in auth.list_keys(graph)} == {key_id: [], service_key["id"]: []}


def test_create_like_replaces_a_key_with_its_role_name_and_classes(graph: Graph) -> None:
    """Rotation: `--like OLD` gives a new secret with the old key's role, name and classes (a teacher key's
    classes were typed again by hand, one --class each), the old key revoked or not; options given too
    replace what is copied, and a teacher's classes are not carried to another role."""
    from kgplatform.errors import NotFound, ValidationFailed

    runner = CliRunner()
    old = json.loads(
        runner.invoke(
            app,
            [
                "keys",
                "create",
                "--role",
                "teacher",
                "--name",
                "lee",
                "--class",
                "7B",
                "--class",
                "7C",
                "--json",
            ],
        ).stdout
    )
    assert runner.invoke(app, ["keys", "revoke", old["id"]]).exit_code == 0

    new = runner.invoke(app, ["keys", "create", "--like", old["id"], "--json"])
    assert new.exit_code == 0, new.output
    issued = json.loads(new.stdout)
    assert (issued["role"], issued["name"], issued["classes"]) == ("teacher", "lee", ["7B", "7C"])
    principal = auth.store.find_live_key(graph, auth.hash_secret(issued["secret"]))
    assert principal is not None and principal.classes == ("7B", "7C") and principal.key_id != old["id"]

    renamed = json.loads(
        runner.invoke(
            app, ["keys", "create", "--like", old["id"], "--name", "lee-2", "--class", "8A", "--json"]
        ).stdout
    )
    assert (renamed["name"], renamed["classes"]) == ("lee-2", ["8A"])
    service_run = runner.invoke(app, ["keys", "create", "--like", old["id"], "--role", "service", "--json"])
    service_key = json.loads(service_run.stdout)
    assert (service_key["role"], service_key["name"], service_key["classes"]) == ("service", "lee", [])
    # Said, not done silently: the new key reads every learner, the old one two classes.
    assert service_run.stderr.strip() == (
        f"note: key {old['id']}'s classes (7B, 7C) are not copied to a service key: it reads every learner "
        "its role lets it"
    )
    assert "not copied" not in runner.invoke(app, ["keys", "create", "--like", old["id"], "--json"]).stderr

    stored = len(auth.list_keys(graph))
    unknown = runner.invoke(app, ["keys", "create", "--like", "no-such-key"])
    assert isinstance(unknown.exception, NotFound) and "no-such-key" in str(unknown.exception)
    nameless = runner.invoke(app, ["keys", "create", "--role", "service"])
    assert isinstance(nameless.exception, ValidationFailed) and "--name is needed" in str(nameless.exception)
    assert len(auth.list_keys(graph)) == stored
