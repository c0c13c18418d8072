"""`services up/down/status` on real redis-server processes, on spare ports and a temporary state folder
(Neo4j points at a remote address here, so it is reported and left alone)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from pydantic import SecretStr

from kgplatform.errors import ServiceSetupFailed
from kgplatform.services import manager, redis_local
from kgplatform.services.manager import State
from kgplatform.services.processes import free_port, pid_alive, port_open
from kgplatform.settings import LocalServicesSettings, Neo4jSettings, RedisSettings, Settings


def settings_for(tmp_path: Path, redis_port: int) -> Settings:
    return Settings(
        _env_file=None,
        neo4j=Neo4jSettings(uri="neo4j://graph.example.invalid:7687"),
        redis=RedisSettings(url=f"redis://127.0.0.1:{redis_port}/0"),
        services=LocalServicesSettings(state_dir=tmp_path / "state"),
    )


@pytest.fixture
def own_settings(tmp_path: Path) -> Iterator[Settings]:
    settings = settings_for(tmp_path, free_port())
    yield settings
    manager.down(settings)


def test_up_twice_starts_once_and_down_stops_it(own_settings: Settings) -> None:
    first = {s.name: s for s in manager.up(own_settings)}
    assert first["neo4j"].state == State.REMOTE
    assert first["redis"].state == State.STARTED
    pid = first["redis"].pid
    assert pid and pid_alive(pid)
    client = redis.Redis.from_url(own_settings.redis.url)
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    client.close()

    second = {s.name: s for s in manager.up(own_settings)}
    assert second["redis"].state == State.RUNNING_OURS
    assert second["redis"].pid == pid

    stopped = {s.name: s for s in manager.down(own_settings)}
    assert stopped["redis"].state == State.STOPPED
    assert not port_open("127.0.0.1", own_settings.redis.port)
    assert {s.name: s.state for s in manager.status(own_settings)}["redis"] == State.NOT_RUNNING


def test_status_of_a_remote_address_reports_no_local_pid_and_whether_it_answers(
    own_settings: Settings, tmp_path: Path
) -> None:
    """A remote Neo4j showed the state folder's local pid, and status exited 0 with nothing answering."""
    manager.up(own_settings)  # a local Redis with a pid file, beside the remote Neo4j
    (neo4j,) = [s for s in manager.status(own_settings) if s.name == "neo4j"]
    assert (neo4j.state, neo4j.pid) == (State.REMOTE_UNREACHABLE, None)  # graph.example.invalid
    # A remote address that answers: a Redis on 127.0.0.2, which the settings do not count as local.
    with remote_redis(tmp_path, "s3cret") as port:
        answering = own_settings.model_copy(
            update={"redis": RedisSettings(url=f"redis://:s3cret@127.0.0.2:{port}/0")}
        )
        assert not answering.redis.is_local
        (redis_status,) = [s for s in manager.status(answering) if s.name == "redis"]
    assert (redis_status.state, redis_status.pid) == (State.REMOTE, None)


@contextmanager
def remote_redis(folder: Path, password: str) -> Iterator[int]:
    """A redis-server on 127.0.0.2 that asks for `password`: on another machine, as the settings see it."""
    port = free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.2",
            "--requirepass",
            password,
            "--save",
            "",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            if port_open("127.0.0.2", port):
                break
            subprocess.run(["sleep", "0.1"], check=True)
        yield port
    finally:
        server.send_signal(signal.SIGCONT)
        server.terminate()
        server.wait(10)


def test_a_remote_redis_is_asked_and_says_why_it_does_not_answer(
    own_settings: Settings, tmp_path: Path
) -> None:
    """A remote Redis was only port-checked: one that wanted a password, or refused the one given, or was
    frozen read "remote, not managed here", exit 0 (a review, 6 December 2026)."""

    def row(url: str) -> manager.ServiceStatus:
        at = own_settings.model_copy(update={"redis": RedisSettings(url=url)})
        return next(s for s in manager.status(at) if s.name == "redis")

    with remote_redis(tmp_path, "s3cret") as port:
        none, wrong = row(f"redis://127.0.0.2:{port}/0"), row(f"redis://:nope@127.0.0.2:{port}/0")
        pid = redis.Redis.from_url(f"redis://:s3cret@127.0.0.2:{port}/0").info("server")["process_id"]
        os.kill(pid, signal.SIGSTOP)
        started = time.monotonic()
        frozen = row(f"redis://:s3cret@127.0.0.2:{port}/0")
        took = time.monotonic() - started
    assert {none.state, wrong.state, frozen.state} == {State.NOT_ANSWERING}, (none, wrong, frozen)
    assert none.detail is not None and none.detail.startswith(
        f"{State.REMOTE}; Redis at redis://127.0.0.2:{port}/0 refused the credentials "
        "(KGP_REDIS__URL gives no password): "
    ), none.detail
    assert wrong.detail is not None and "refused the credentials: " in wrong.detail, wrong.detail
    assert "WRONGPASS" in wrong.detail or "invalid username-password pair" in wrong.detail
    assert frozen.detail == f"{State.REMOTE}; TimeoutError: Timeout reading from socket", frozen.detail
    assert took < 2 * 2.0 + 1, f"status took {took:.1f} s"


@pytest.fixture
def foreign_redis(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A redis-server that kgplatform did not start (someone else's, or Debian's own), listening."""
    port = free_port()
    foreign = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            if port_open("127.0.0.1", port):
                break
            subprocess.run(["sleep", "0.1"], check=True)
        yield foreign, port
    finally:
        foreign.terminate()
        foreign.wait(10)


def test_a_service_we_did_not_start_is_left_alone(
    tmp_path: Path, foreign_redis: tuple[subprocess.Popen[bytes], int]
) -> None:
    foreign, port = foreign_redis
    settings = settings_for(tmp_path, port)
    client = redis.Redis.from_url(settings.redis.url, retry_on_timeout=True)
    up = {s.name: s.state for s in manager.up(settings)}
    assert up["redis"] == State.RUNNING_FOREIGN
    down = {s.name: s.state for s in manager.down(settings)}
    assert down["redis"] == State.NOT_RUNNING
    assert foreign.poll() is None, "down must not stop a process it did not start"
    assert client.ping()
    client.close()


def test_a_failed_up_still_reports_what_it_started(tmp_path: Path) -> None:
    """scripts/test.sh stops what `services up` started, from the names it reports. When a later
    service fails (here Neo4j's port is held by something that closes every connection), the Redis
    started before it must already be reported, or it would be left running."""
    squatter = socket.create_server(("127.0.0.1", 0))
    neo4j_port = squatter.getsockname()[1]

    def refuse_all() -> None:
        while True:
            try:
                connection, _ = squatter.accept()
            except OSError:  # closed: the test is over
                return
            connection.close()

    threading.Thread(target=refuse_all, daemon=True).start()
    settings = Settings(
        _env_file=None,
        neo4j=Neo4jSettings(uri=f"bolt://127.0.0.1:{neo4j_port}"),
        redis=RedisSettings(url=f"redis://127.0.0.1:{free_port()}/0"),
        services=LocalServicesSettings(state_dir=tmp_path / "state", start_timeout_s=2),
    )
    started: list[str] = []
    try:
        with pytest.raises(ServiceSetupFailed, match="neo4j"):
            manager.up(settings, on_started=started.append)
        assert started == ["redis"]
        assert {s.name: s.state for s in manager.status(settings)}["redis"] == State.RUNNING_OURS
    finally:
        stopped = {s.name: s.state for s in manager.down(settings)}
        squatter.close()
    assert stopped["redis"] == State.STOPPED


def test_a_redis_that_took_the_port_first_is_not_taken_for_ours(
    tmp_path: Path, foreign_redis: tuple[subprocess.Popen[bytes], int]
) -> None:
    """Debian's own redis-server.service, started by the package's install, holds 6379 when ours starts:
    ours exits unable to bind, and the other one answers the ping. Start-up must say so, not report
    ours as started (its pid file would name a dead process, and `services down` would stop nothing)."""
    foreign, port = foreign_redis
    settings = settings_for(tmp_path, port)
    pid = redis_local.start(settings)  # what `up` does when it saw the port free a moment earlier
    try:
        reason = redis_local.wait_until_ready(settings, pid, timeout_s=10)
        assert reason is not None and f"process {foreign.pid}, not the one started ({pid}" in reason
        assert foreign.poll() is None
    finally:
        # Ours may still be starting when the foreign one is stopped at teardown, and then bind the port
        # for good: a redis-server left running after the suite (seen once, 54 minutes later).
        redis_local.stop(settings)


def test_two_ups_at_once_start_one_server(own_settings: Settings) -> None:
    """Two terminals (or the demo and a test run) bring the services up at the same moment: one starts
    Redis, the other waits for it and finds it running, instead of both seeing the port free."""
    results: list[object] = []

    def bring_up() -> None:
        try:
            results.append({s.name: s.state for s in manager.up(own_settings)}["redis"])
        except ServiceSetupFailed as error:
            results.append(error)

    threads = [threading.Thread(target=bring_up) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, results)) == sorted([State.STARTED, State.RUNNING_OURS]), results
    assert oct(own_settings.services.state_dir.stat().st_mode & 0o777) == "0o700"


def test_a_wrong_neo4j_password_is_said_at_once_not_retried_into_a_lockout(settings: Settings) -> None:
    """`services up` with a wrong password waited the whole start timeout (120 s), retrying a login
    Neo4j had refused, until its rate limit on failed logins locked every client out, right ones too."""
    import time

    from kgplatform.services import neo4j_local

    wrong = settings.model_copy(
        update={"neo4j": settings.neo4j.model_copy(update={"password": SecretStr("definitely-wrong")})}
    )
    started = time.monotonic()
    reason = neo4j_local.wait_until_ready(wrong, pid=None)
    assert reason is not None and "wrong password" in reason
    assert time.monotonic() - started < 10, "one refused login is the answer"


def test_a_program_that_is_not_redis_on_the_port_is_named_as_such(tmp_path: Path) -> None:
    """An HTTP server on the port made `services up` report a Redis protocol error, and a log file that
    did not exist (nothing was started)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        settings = settings_for(tmp_path, server.server_address[1])
        with pytest.raises(ServiceSetupFailed) as error:
            manager.up(settings)
        assert "is not Redis" in str(error.value) and "log:" not in str(error.value)
    finally:
        server.shutdown()
        server.server_close()


def test_status_does_not_take_our_server_on_another_port_for_the_one_at_the_address(
    own_settings: Settings,
) -> None:
    """The state folder's Redis ran on one port while the settings named another: status printed it as
    the one at the new address, with its pid."""
    (started,) = [s for s in manager.up(own_settings) if s.name == "redis"]
    moved = own_settings.model_copy(update={"redis": RedisSettings(url=f"redis://127.0.0.1:{free_port()}/0")})
    (shown,) = [s for s in manager.status(moved) if s.name == "redis"]
    assert shown.state == State.OURS_ELSEWHERE and started.state == State.STARTED
    with pytest.raises(ServiceSetupFailed, match="does not answer at"):
        manager.up(
            moved.model_copy(update={"services": moved.services.model_copy(update={"start_timeout_s": 2})})
        )


@pytest.mark.parametrize("user", [":", "default:", "kgp:"])
def test_our_redis_asks_for_the_password_the_url_gives(tmp_path: Path, user: str) -> None:
    """Started without it, our Redis refused every client's AUTH ("called without any password
    configured"), so a URL with a password could not reach the Redis `services up` had just started.
    A password with a space, a quote, a backslash and a non-ASCII letter, percent-encoded in the URL."""
    secret = 'pa ss"w\\ördé'
    port = free_port()
    settings = settings_for(tmp_path, port).model_copy(
        update={"redis": RedisSettings(url=f"redis://{user}{quote(secret, safe='')}@127.0.0.1:{port}/0")}
    )
    try:
        assert {s.name: s.state for s in manager.up(settings)}["redis"] == State.STARTED
        client = redis.Redis.from_url(settings.redis.url)
        assert client.ping()
        client.close()
        anonymous = redis.Redis(host="127.0.0.1", port=port)
        with pytest.raises(redis.AuthenticationError):
            anonymous.ping()
        anonymous.close()
        config = redis_local.home(settings) / "auth.conf"
        assert config.stat().st_mode & 0o777 == 0o600
        assert secret not in " ".join(_command_line(redis_local.running_pid(settings)))
    finally:
        manager.down(settings)


def _command_line(pid: int | None) -> list[str]:
    assert pid is not None
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")


def test_a_program_that_is_not_neo4j_on_the_bolt_port_is_named_at_once(tmp_path: Path) -> None:
    """A program that takes the connection and says nothing (here: a listening socket nobody reads, as an
    HTTP server waiting for a request line is) held `services up` for the driver's 60 s per attempt."""
    import time

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    settings = settings_for(tmp_path, free_port())
    settings = settings.model_copy(
        update={"neo4j": settings.neo4j.model_copy(update={"uri": f"bolt://127.0.0.1:{port}"})}
    )
    started = time.monotonic()
    try:
        with pytest.raises(ServiceSetupFailed) as error:
            manager.up(settings)
    finally:
        listener.close()
        manager.down(settings)
    assert f"port {port} is not Neo4j" in str(error.value) and "handshake" in str(error.value)
    assert time.monotonic() - started < settings.neo4j.connection_timeout_s + 10


def test_a_database_the_server_does_not_hold_is_not_ready(settings: Settings) -> None:
    """The server answered, so `services up` said ready, and `migrate` failed on KGP_NEO4J__DATABASE=kgp
    (Community edition cannot create a database afterwards)."""
    import time

    from kgplatform.services import neo4j_local

    elsewhere = settings.model_copy(update={"neo4j": settings.neo4j.model_copy(update={"database": "kgp"})})
    started = time.monotonic()
    reason = neo4j_local.wait_until_ready(elsewhere, pid=None)
    assert reason is not None and "has no database 'kgp'" in reason
    assert time.monotonic() - started < 10, "a missing database is the answer, not a reason to wait"
    assert neo4j_local.wait_until_ready(settings, pid=None) is None


def test_the_server_is_configured_to_make_the_settings_database_its_default(
    settings: Settings, tmp_path: Path
) -> None:
    from kgplatform.services import neo4j_local

    named = settings.model_copy(
        update={
            "neo4j": settings.neo4j.model_copy(update={"database": "kgp"}),
            "services": settings.services.model_copy(update={"state_dir": tmp_path}),
        }
    )
    layout = neo4j_local.layout_for(named)
    neo4j_local.write_config(named, layout)
    assert "initial.dbms.default_database=kgp\n" in (layout.conf_dir / "neo4j.conf").read_text()


def test_our_redis_keeps_data_in_the_append_only_file_alone(own_settings: Settings) -> None:
    """RDB snapshots were made on Redis's default save rules besides the append-only file that a restart
    loads: each rewrote dump.rdb for nothing and added five lines to redis.log, which nothing rotates (a
    year's operation grew it without bound). The data must still survive a restart, from the AOF."""
    manager.up(own_settings)
    client = redis.Redis.from_url(own_settings.redis.url)
    assert client.config_get("save")["save"] == ""
    client.set("kept", "1")
    client.close()
    manager.down(own_settings)
    manager.up(own_settings)
    client = redis.Redis.from_url(own_settings.redis.url)
    assert client.get("kept") == b"1"
    client.close()
    assert not (redis_local.home(own_settings) / "dump.rdb").exists()
