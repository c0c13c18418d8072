import logging
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from kgplatform.services import neo4j_local
from kgplatform.settings import Settings, get_settings, known_variables, unknown_variables


def test_nested_environment_variables_override_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KGP_NEO4J__URI", "neo4j://graph.example.org:7688")
    monkeypatch.setenv("KGP_NEO4J__PASSWORD", "s3cret")
    monkeypatch.setenv("KGP_REDIS__URL", "redis://cache.example.org:6380/2")

    settings = Settings()

    assert settings.neo4j.uri == "neo4j://graph.example.org:7688"
    assert settings.neo4j.password.get_secret_value() == "s3cret"
    assert settings.neo4j.port == 7688
    assert not settings.neo4j.is_local
    assert settings.redis.port == 6380
    assert not settings.redis.is_local


def test_defaults_point_at_local_services(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KGP_NEO4J__URI", "KGP_REDIS__URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    assert settings.neo4j.is_local and settings.neo4j.port == 7687
    assert settings.redis.is_local and settings.redis.port == 6379


def test_password_is_not_printed_in_repr() -> None:
    assert "kgplatform-dev" not in repr(Settings(_env_file=None))


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:s3cret@10.0.0.5:6379/0", "redis://:***@10.0.0.5:6379/0"),
        ("rediss://kgp:s3cret@cache.example.org/2", "rediss://kgp:***@cache.example.org/2"),
        ("redis://:s3cret@[::1]:6380/1", "redis://:***@[::1]:6380/1"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        # An @ in the password, unescaped: the host follows the last @, as urllib and redis-py read it.
        ("redis://kgp:s3@cret@cache.example.org:6380/2", "redis://kgp:***@cache.example.org:6380/2"),
    ],
)
def test_a_redis_password_is_never_shown(url: str, shown: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`services status` and the CLI's Redis errors printed the URL with its password (a review)."""
    monkeypatch.setenv("KGP_REDIS__URL", url)
    assert Settings(_env_file=None).redis.shown == shown


@pytest.mark.parametrize(
    ("variable", "url", "shown"),
    [
        ("KGP_REDIS__URL", "redis://:s3cret@127.0.0.1:99999/0", "'redis://:***@127.0.0.1:99999/0'"),
        ("KGP_REDIS__URL", "redis://kgp:s3cret@[::1]:70000/0", "'redis://kgp:***@[::1]:70000/0'"),
        ("KGP_NEO4J__URI", "bolt://neo4j:s3cret@127.0.0.1:99999", "'bolt://neo4j:***@127.0.0.1:99999'"),
    ],
)
def test_a_refused_url_is_named_without_its_password(
    variable: str, url: str, shown: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The port check's refusal, and pydantic's `input_value=` beside it, printed the whole URL: every
    command's "invalid settings" line and a worker's traceback showed the password (a review, 8 December
    2026)."""
    monkeypatch.setenv(variable, url)
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)
    assert shown in str(refused.value)  # the URL is still named, so the operator sees which one
    assert "s3cret" not in str(refused.value)
    assert all("s3cret" not in error["msg"] for error in refused.value.errors())


@pytest.mark.parametrize(
    "uri",
    ["bolt://neo4j:s3cret@127.0.0.1:7687", "neo4j+s://neo4j:s3cret@graph.example.org", "bolt://me@h:7687"],
)
def test_a_neo4j_uri_with_credentials_is_refused_without_showing_them(
    uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The driver refuses a URI's user and password, quoting the URI, at each connection, and the CLI's
    messages named the URI whole: every command printed the password (a review, 8 December 2026)."""
    monkeypatch.setenv("KGP_NEO4J__URI", uri)
    with pytest.raises(ValidationError, match="KGP_NEO4J__PASSWORD") as refused:
        Settings(_env_file=None)
    assert "s3cret" not in str(refused.value)


def test_unknown_uri_scheme_is_rejected_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KGP_NEO4J__URI", "http://127.0.0.1:7474")
    with pytest.raises(ValidationError, match="uri"):
        Settings()


def test_dotenv_file_is_read(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("KGP_NEO4J__DATABASE", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("KGP_NEO4J__DATABASE=learning\n")
    assert Settings(_env_file=env_file).neo4j.database == "learning"


@pytest.mark.parametrize("size", ["512m", "2g", "1024MiB", "4000000", "1G", "3gb"])
def test_neo4j_memory_sizes_neo4j_accepts_are_accepted(size: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KGP_SERVICES__NEO4J_HEAP", size)
    monkeypatch.setenv("KGP_SERVICES__NEO4J_PAGECACHE", size)
    assert Settings(_env_file=None).services.neo4j_heap == size


@pytest.mark.parametrize(
    ("size", "java"),
    [
        ("512m", "512m"),
        ("2g", "2g"),
        ("1024MiB", "1024m"),
        ("4GB", "4g"),
        ("3gb", "3g"),
        ("1G", "1g"),
        ("4000000", "4000000"),
    ],
)
def test_the_heap_reaches_java_in_a_form_java_takes(
    size: str, java: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`java -Xmx1024MiB` is "Invalid maximum heap size": `services up` failed for a size the settings
    accept."""
    monkeypatch.setenv("KGP_SERVICES__NEO4J_HEAP", size)
    settings = Settings(_env_file=None)
    command = neo4j_local.server_command(settings, neo4j_local.layout_for(settings), "java")
    assert {f"-Xms{java}", f"-Xmx{java}"} <= set(command)


@pytest.mark.parametrize("size", ["zzz", "lots", "1.5g", "-1g", "0", "2 g", "2T", "1Kb", "1024kib", "7b"])
def test_a_memory_size_neo4j_would_refuse_is_refused_by_the_settings(
    size: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neo4j's own refusal came back from `services up` as a Java stack-trace fragment."""
    monkeypatch.setenv("KGP_SERVICES__NEO4J_PAGECACHE", size)
    with pytest.raises(ValidationError, match="neo4j_pagecache"):
        Settings(_env_file=None)


def test_a_misspelt_variable_is_named_with_the_setting_it_was_meant_for() -> None:
    environ = {
        "KGP_REDIS_URL": "redis://cache:6379/0",  # one underscore: pydantic-settings ignores it
        "KGP_NEO4J__PASWORD": "x",
        "kgp_workers__chunk_size": "10",  # known, in another case: read
        "KGP_SERVING": "{}",  # a whole group as JSON: read
        "KGP_NOTHING_LIKE_IT_AT_ALL_XYZ": "1",
        "PATH": "/usr/bin",
    }
    assert unknown_variables(environ) == [
        "KGP_NEO4J__PASWORD names no kgplatform setting and is ignored; did you mean KGP_NEO4J__PASSWORD?",
        "KGP_NOTHING_LIKE_IT_AT_ALL_XYZ names no kgplatform setting and is ignored",
        "KGP_REDIS_URL names no kgplatform setting and is ignored; did you mean KGP_REDIS__URL?",
    ]


def test_get_settings_warns_about_misspelt_variables_in_the_environment_and_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("KGP_API_PROT=9000\n")
    monkeypatch.setenv("KGP_REDIS_URL", "redis://cache:6379/0")
    get_settings.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="kgplatform.settings"):
            get_settings()
    finally:
        get_settings.cache_clear()
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("KGP_API_PROT ") and "KGP_API_PORT" in m for m in messages), messages
    assert any(m.startswith("KGP_REDIS_URL ") and "KGP_REDIS__URL" in m for m in messages), messages


def test_every_kgp_variable_the_project_mentions_is_one_it_reads() -> None:
    """So that the warning above never fires for a variable of our own scripts, docs or deployment."""
    root = Path(__file__).resolve().parents[2]
    files = [
        *root.glob("scripts/*.sh"),
        root / ".ci" / "run",
        root / "docker-compose.yml",
        root / "Dockerfile",
        *root.glob("*.md"),
        *root.glob("docs/*.md"),
        *root.glob("kgplatform/**/*.py"),
        *root.glob("tests/e2e/*.py"),
    ]
    mentioned = {name for f in files for name in re.findall(r"\bKGP_[A-Z0-9_]*[A-Z0-9]", f.read_text())}
    misspelt_on_purpose = {"KGP_REDIS_URL"}  # the README's example of a variable that is warned about
    assert len(mentioned) > 20
    assert mentioned - known_variables() - misspelt_on_purpose == set()


# A value of a variable, and the setting the refusal names.
OUT_OF_RANGE = {
    "redis port": ("KGP_REDIS__URL", "redis://127.0.0.1:99999/0", "redis.url"),
    "redis without scheme": ("KGP_REDIS__URL", "127.0.0.1:6379", "redis.url"),
    "neo4j port": ("KGP_NEO4J__URI", "bolt://127.0.0.1:99999", "neo4j.uri"),
    "api port": ("KGP_API_PORT", "70000", "api_port"),
}


@pytest.mark.parametrize(("variable", "value", "named"), OUT_OF_RANGE.values(), ids=OUT_OF_RANGE.keys())
def test_a_port_out_of_range_or_a_url_without_scheme_is_a_settings_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    """They ended in an OverflowError or a redis-py ValueError traceback in whichever command first bound
    or connected, not the one-line settings message (exit 2)."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert named == ".".join(str(p) for p in refused.value.errors()[0]["loc"])


def test_relative_service_folders_are_made_absolute_against_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Maven resolved a relative jar folder against its pom's folder and Neo4j relative data paths against
    its home: the jars and databases landed in nested copies of the path, and the cache was marked
    complete."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KGP_SERVICES__STATE_DIR", "relstate")
    monkeypatch.setenv("KGP_SERVICES__CACHE_DIR", "relcache")
    services = Settings().services
    assert (services.state_dir, services.cache_dir) == (tmp_path / "relstate", tmp_path / "relcache")


@pytest.mark.parametrize(
    ("value", "queues"),
    [
        ("planning,ondemand", ["planning", "ondemand"]),
        (" planning , ondemand ,", ["planning", "ondemand"]),
        ('["training"]', ["training"]),
        ("", []),
        (",", []),  # empty means every queue here (README), unlike `kgplatform worker --queues`
    ],
)
def test_queues_take_the_comma_form_or_json(
    value: str, queues: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`KGP_SERVING__QUEUES=planning,ondemand`, the form `kgplatform worker --queues` takes, stopped every
    command and the API with a traceback: pydantic-settings reads a list from the environment as JSON
    (a review, s29)."""
    monkeypatch.setenv("KGP_SERVING__QUEUES", value)
    assert Settings(_env_file=None).serving.queues == queues


def test_an_unknown_queue_is_refused_naming_the_known_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its depth would read 0 for ever."""
    monkeypatch.setenv("KGP_SERVING__QUEUES", "planning,ondemnd")
    with pytest.raises(ValidationError, match=r"(?s)serving\.queues.*ondemnd.*known: ondemand"):
        Settings(_env_file=None)


@pytest.mark.parametrize(
    "name",
    [
        "KGP_NEO4J__CONNECTION_TIMEOUT_S",
        "KGP_NEO4J__MAX_TRANSACTION_RETRY_TIME_S",
        "KGP_SERVICES__START_TIMEOUT_S",
    ],
)
@pytest.mark.parametrize("value", ["-1", "nan", "inf"])
def test_a_timeout_out_of_range_is_refused_naming_it(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """These had no bounds: the driver failed every connection with "Timeout value out of range" (a traceback
    and exit 1 in the CLI, a 500 in the API), never naming the setting (a review, s29)."""
    monkeypatch.setenv(name, value)
    field = name.removeprefix("KGP_").replace("__", ".").lower()
    with pytest.raises(ValidationError, match=re.escape(field)):
        Settings(_env_file=None)


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_a_rate_that_is_no_number_is_refused(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """inf stopped the API at start with the redis backend (OverflowError in its window; a review, s29)."""
    monkeypatch.setenv("KGP_SERVING__RATE_LIMIT_PER_S", value)
    with pytest.raises(ValidationError, match=re.escape("serving.rate_limit_per_s")):
        Settings(_env_file=None)


def test_no_transaction_retry_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KGP_NEO4J__MAX_TRANSACTION_RETRY_TIME_S", "0")
    assert Settings(_env_file=None).neo4j.max_transaction_retry_time_s == 0
