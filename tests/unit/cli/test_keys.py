"""`keys create`: a name the API would refuse is refused before the graph is touched, saying why;
`keys list --json` for scripts."""

from __future__ import annotations

import sys

import pytest

from kgplatform.cli import main


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("ops\u202etoor", "--name: must not hold invisible formatting characters (U+202E)"),
        ("ops\x07", "--name: must not hold control characters (U+0007)"),
        ("x" * 201, "--name: String should have at most 200 characters"),
    ],
)
def test_a_refused_name_says_what_is_wrong_with_it(
    name: str, says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The message was cut at 12 words, seven of them pydantic's preamble: "... must not hold invisible"
    without the code point, the useful part for a name pasted from elsewhere (a review, s29)."""
    monkeypatch.setattr("kgplatform.cli.keys.graph_session", lambda **_: pytest.fail("the graph was opened"))
    monkeypatch.setattr(sys, "argv", ["kgplatform", "keys", "create", "--role", "service", "--name", name])
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err == f"kgplatform: invalid key request ({says})\n"


def test_keys_list_json_is_one_array_whatever_the_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """The table wrapped names and dates at a pipe's 80 columns: `keys list | grep NAME` missed keys."""
    import json
    from contextlib import nullcontext
    from datetime import UTC, datetime

    from typer.testing import CliRunner

    from kgplatform.auth import service
    from kgplatform.auth.models import ApiKey, Role
    from kgplatform.cli import app

    name = "a rather long key name held by the nightly ingestion service of school 42"
    created = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    keys = [ApiKey(id="k1", name=name, role=Role.SERVICE, created_at=created, revoked=False)]
    monkeypatch.setattr("kgplatform.cli.keys.graph_session", lambda **_: nullcontext(None))
    monkeypatch.setattr(service, "list_keys", lambda _: keys)
    result = CliRunner().invoke(app, ["keys", "list", "--json"], terminal_width=40)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {
            "id": "k1",
            "name": name,
            "role": "service",
            "classes": [],
            "created_at": "2026-12-02T07:00:00Z",
            "revoked": False,
        }
    ]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--role", "service", "--class", "7B"], "--class: only a teacher key can be scoped to classes"),
        (["--role", "teacher", "--class", "7 B"], "--class '7 B': a class id must not contain whitespace"),
    ],
)
def test_a_refused_class_scope_names_the_option_and_touches_no_graph(
    args: list[str], says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A service or admin key scoped to a class would be half kept (its writes reach every learner), so
    only teacher keys take `--class`; a class id follows the learner id rule (it is a path segment)."""
    monkeypatch.setattr("kgplatform.cli.keys.graph_session", lambda **_: pytest.fail("the graph was opened"))
    monkeypatch.setattr(sys, "argv", ["kgplatform", "keys", "create", "--name", "t", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.startswith("kgplatform: invalid key request (") and says in err, err


def test_keys_create_passes_the_classes_and_list_shows_them(monkeypatch: pytest.MonkeyPatch) -> None:
    from contextlib import nullcontext
    from datetime import UTC, datetime

    from typer.testing import CliRunner

    from kgplatform.auth import service
    from kgplatform.auth.models import ApiKey, IssuedKey, Role
    from kgplatform.cli import app
    from kgplatform.cli.base import cli_actor

    issued: dict[str, object] = {}
    created = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)

    def issue_key(_: object, **kwargs: object) -> IssuedKey:
        issued.update(kwargs)
        return IssuedKey(
            id="k1",
            name="ms-okafor",
            role=Role.TEACHER,
            classes=["7B", "7C"],
            created_at=created,
            revoked=False,
            classes_without_roster=["7C"],  # the service's answer (POST /api-keys gives it too)
            secret="kgp_x",
        )

    monkeypatch.setattr("kgplatform.cli.keys.graph_session", lambda **_: nullcontext(None))
    monkeypatch.setattr(service, "issue_key", issue_key)
    args = ["keys", "create", "--role", "teacher", "--name", "ms-okafor", "--class", "7B", "--class", "7C"]
    result = CliRunner().invoke(app, [*args, "--class", "7B"])
    assert result.exit_code == 0, result.output
    # The CLI's operating-system user is the creation's actor in the keys' audit trail.
    assert issued == {
        "role": Role.TEACHER,
        "name": "ms-okafor",
        "classes": ["7B", "7C"],
        "actor": cli_actor(),
    }
    assert "classes 7B, 7C" in result.output
    # A class with no roster yet (misspelt, or not sent yet) is said, on stderr: the key reads nobody.
    assert "note: no roster for class 7C yet" in result.stderr and "7B" not in result.stderr

    keys = [
        ApiKey(
            id="k1",
            name="ms-okafor",
            role=Role.TEACHER,
            classes=["7B", "7C"],
            created_at=created,
            revoked=False,
        )
    ]
    monkeypatch.setattr(service, "list_keys", lambda _: keys)
    listed = CliRunner().invoke(app, ["keys", "list"], terminal_width=200)
    assert listed.exit_code == 0, listed.output
    assert "7B, 7C" in listed.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--class", "7 B"], "invalid change (--class '7 B': a class id must not contain whitespace or '/'"),
        (
            ["--add-class", "7B\x07"],
            "invalid change (--add-class '7B\\x07': a class id must not contain control",
        ),
        ([], "send one of --class (the whole new list), --add-class and/or --remove-class, or --unscoped"),
        (["--class", "7B", "--unscoped"], "--class and --unscoped cannot go together"),
        (["--add-class", "7B", "--remove-class", "7B"], "class 7B is both added and removed"),
    ],
)
def test_keys_update_refuses_a_malformed_change_before_the_graph_is_touched(
    args: list[str], says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Usage errors (exit 2) naming the options as typed, not the API's members."""
    monkeypatch.setattr("kgplatform.cli.keys.graph_session", lambda **_: pytest.fail("the graph was opened"))
    monkeypatch.setattr(sys, "argv", ["kgplatform", "keys", "update", "k1", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.startswith("kgplatform: ") and says in err, err


def test_keys_update_says_the_change_on_one_line_whatever_the_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """Piped (80 columns) the line broke inside the class list ("classes 7B ->" then "classes 7B, 8B"): a
    term change's script log or a grep for the key read half of it."""
    from contextlib import nullcontext
    from datetime import UTC, datetime

    from typer.testing import CliRunner

    from kgplatform.auth import service
    from kgplatform.auth.models import ApiKey, ChangedKey, Role
    from kgplatform.cli import app

    fields = {"name": "ms-okafor", "role": Role.TEACHER, "created_at": datetime(2026, 12, 4, tzinfo=UTC)}
    before = ApiKey(id="72b10fa42d4d4638bc97ef0973152fa6", classes=["7B"], revoked=False, **fields)
    after = ChangedKey(**{**before.model_dump(), "classes": ["7B", "8B", "9C"]})
    monkeypatch.setattr("kgplatform.cli.keys.graph_session", lambda **_: nullcontext(None))
    monkeypatch.setattr(service, "change_classes", lambda *_, **__: (before, after))
    result = CliRunner().invoke(app, ["keys", "update", before.id, "--add-class", "8B"], terminal_width=80)
    assert result.exit_code == 0, result.output
    assert (
        f"updated key {before.id} (teacher, 'ms-okafor'): classes 7B -> classes 7B, 8B, 9C\n" in result.stdout
    ), result.stdout


def test_keys_create_and_revoke_say_the_key_on_one_line_whatever_the_width(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As `keys update`: piped (80 columns) the create line broke inside the class list and before "its
    secret", and the revoke line inside a long name; a deployment log or a grep for the id read half."""
    from contextlib import nullcontext
    from datetime import UTC, datetime

    from typer.testing import CliRunner

    from kgplatform.auth import service
    from kgplatform.auth.models import ApiKey, IssuedKey, Role
    from kgplatform.cli import app

    name = "the year-seven maths teacher at the north site"
    fields = {"name": name, "role": Role.TEACHER, "created_at": datetime(2026, 12, 4, tzinfo=UTC)}
    key_id = "72b10fa42d4d4638bc97ef0973152fa6"
    issued = IssuedKey(id=key_id, classes=["7B", "7C", "8B"], revoked=False, secret="kgp_s3cret", **fields)
    revoked = ApiKey(id=key_id, classes=["7B", "7C", "8B"], revoked=True, **fields)
    monkeypatch.setattr("kgplatform.cli.keys.graph_session", lambda **_: nullcontext(None))
    monkeypatch.setattr(service, "issue_key", lambda *_, **__: issued)
    monkeypatch.setattr(service, "revoke_key", lambda *_, **__: (revoked, True))  # not revoked before
    runner = CliRunner()
    args = ["keys", "create", "--role", "teacher", "--name", name, "--class", "7B"]
    created = runner.invoke(app, args, terminal_width=80)
    assert created.exit_code == 0, created.output
    assert created.stdout.splitlines() == [
        f"created key {key_id} (teacher, {name!r}, classes 7B, 7C, 8B); its secret, shown only now:",
        "kgp_s3cret",
    ], created.stdout
    gone = runner.invoke(app, ["keys", "revoke", key_id], terminal_width=80)
    assert gone.exit_code == 0, gone.output
    assert gone.stdout == f"revoked key {key_id} (teacher, {name!r})\n", gone.stdout


def test_keys_list_piped_keeps_each_key_on_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Piped, rich assumed 80 columns and folded the name, role and date onto several lines each: `keys list
    | grep NAME` found half a row or nothing, and the id on the name's line only by luck (a review, 5 December
    2026)."""
    from contextlib import nullcontext
    from datetime import UTC, datetime

    from typer.testing import CliRunner

    from kgplatform.auth import service
    from kgplatform.auth.models import ApiKey, Role
    from kgplatform.cli import app

    created = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    keys = [
        ApiKey(
            id=f"{n:032x}",
            name=f"nightly-ingest-school-{n}",
            role=Role.DESIGNER,
            created_at=created,
            revoked=True,
        )
        for n in (41, 42)
    ]
    monkeypatch.setattr("kgplatform.cli.keys.graph_session", lambda **_: nullcontext(None))
    monkeypatch.setattr(service, "list_keys", lambda _: keys)
    listed = CliRunner().invoke(app, ["keys", "list"], env={"COLUMNS": "80"})
    assert listed.exit_code == 0, listed.output
    (line,) = [line for line in listed.output.splitlines() if "nightly-ingest-school-42" in line]
    assert (
        f"{42:032x}" in line and "designer" in line and "2026-12-02T07:00:00+00:00" in line and "yes" in line
    )


def test_keys_update_says_when_a_class_to_remove_was_not_the_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--remove-class 7b` on a key of 7B changed nothing, yet printed "updated key" and exited 0: a typo
    (ids are case-sensitive) read as done (a review, 5 December 2026). Still no refusal: a removal sent twice
    is fine."""
    from contextlib import nullcontext
    from datetime import UTC, datetime

    from typer.testing import CliRunner

    from kgplatform.auth import service
    from kgplatform.auth.models import ApiKey, ChangedKey, Role
    from kgplatform.cli import app

    fields = {"name": "ms-okafor", "role": Role.TEACHER, "created_at": datetime(2026, 12, 4, tzinfo=UTC)}
    before = ApiKey(id="k1", classes=["7B", "7C"], revoked=False, **fields)
    after = ChangedKey(**{**before.model_dump(), "classes": ["7C"]})
    monkeypatch.setattr("kgplatform.cli.keys.graph_session", lambda **_: nullcontext(None))
    monkeypatch.setattr(service, "change_classes", lambda *_, **__: (before, after))
    args = ["keys", "update", "k1", "--remove-class", "7B", "--remove-class", "7b"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "note: key k1 held no class 7b: nothing removed for it" in result.stderr
    assert "7B" not in result.stderr.split("note: key k1")[1].split(":")[0]  # 7B was removed: not named


@pytest.mark.parametrize(
    ("revoked_before", "says"),
    [
        (False, "revoked key k1 (teacher, 'mr-lee')\n"),
        (True, "key k1 (teacher, 'mr-lee') was revoked before: nothing changed\n"),
    ],
)
def test_keys_revoke_says_when_the_key_was_revoked_before(
    revoked_before: bool, says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second `keys revoke` of a key printed "revoked key ..." as the first had, though it changed nothing
    and wrote no audit entry (docs/api.md): an operator revoking a leaked key could not tell that someone
    had done it before (a review, 6 December 2026)."""
    from contextlib import nullcontext
    from datetime import UTC, datetime

    from typer.testing import CliRunner

    from kgplatform.auth import service
    from kgplatform.auth.models import ApiKey, Role
    from kgplatform.cli import app

    def key(revoked: bool) -> ApiKey:
        created = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
        return ApiKey(id="k1", name="mr-lee", role=Role.TEACHER, created_at=created, revoked=revoked)

    monkeypatch.setattr("kgplatform.cli.keys.graph_session", lambda **_: nullcontext(None))
    monkeypatch.setattr(service, "revoke_key", lambda _graph, _id, **_: (key(True), not revoked_before))
    result = CliRunner().invoke(app, ["keys", "revoke", "k1"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert result.output == says
