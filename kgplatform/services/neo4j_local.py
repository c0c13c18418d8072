"""A genuine Neo4j Community server, fetched from Maven Central and run from a cache folder.

Maven resolves `org.neo4j.assembly:neo4j-community-standalone` (the pom Neo4j builds its own
download from) into `lib/`; we write a `neo4j.conf` and start `CommunityEntryPoint`, which is what
Neo4j's own `bin/neo4j` does. No Docker, no Java code of ours.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from kgplatform.errors import ServiceSetupFailed
from kgplatform.services import maintenance
from kgplatform.services.processes import (
    dying_with_parent,
    ensure_debian_package,
    install_debian_package,
    listens_on,
    port_open,
    read_pid,
    spawn,
    stop_pid,
)
from kgplatform.settings import Settings

if TYPE_CHECKING:
    from kgplatform.graph.driver import Graph

# Options Neo4j's own launcher passes to the JVM (from its default neo4j.conf).
JVM_OPTIONS = [
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
]
SUPPORTED_JAVA = (17, 21)  # Neo4j 5.26 LTS runs on Java 17 and 21
JVM_DIR = Path("/usr/lib/jvm")


@dataclass(frozen=True)
class Neo4jLayout:
    lib_dir: Path
    home: Path

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def log_path(self) -> Path:
        return self.home / "logs" / "console.log"

    @property
    def pid_file(self) -> Path:
        return self.home / "neo4j.pid"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"


def layout_for(settings: Settings) -> Neo4jLayout:
    version = settings.services.neo4j_version
    return Neo4jLayout(
        lib_dir=settings.services.cache_dir / f"neo4j-{version}" / "lib",
        home=settings.services.state_dir / "neo4j",
    )


def java_major(java: str) -> int:
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "(\d+)', out)
    return int(match.group(1)) if match else 0


def debian_java17(jvm_dir: Path = JVM_DIR) -> str | None:
    """Debian's OpenJDK 17, whatever the architecture in its folder's name (amd64, arm64, ...)."""
    for java in sorted(jvm_dir.glob("java-17-openjdk-*/bin/java")):
        if java_major(str(java)) in SUPPORTED_JAVA:
            return str(java)
    return None


def find_java(jvm_dir: Path = JVM_DIR) -> str:
    """A Java that Neo4j 5.26 supports: JAVA_HOME's, Debian's OpenJDK 17, the one on PATH, in that order;
    installs Debian's OpenJDK 17 when none of them is."""
    home = os.environ.get("JAVA_HOME")
    home_java = Path(home, "bin", "java") if home else None
    if home_java and home_java.exists() and java_major(str(home_java)) in SUPPORTED_JAVA:
        return str(home_java)
    on_path = shutil.which("java")
    found = debian_java17(jvm_dir) or (on_path if on_path and java_major(on_path) in SUPPORTED_JAVA else None)
    if found:
        return found
    # Installed even when another Java is on PATH (11, say): that one cannot run this Neo4j.
    install_debian_package("openjdk-17-jre-headless", "Java 17")
    found = debian_java17(jvm_dir)
    if found is None:
        raise ServiceSetupFailed(
            f"installed openjdk-17-jre-headless, but no {jvm_dir}/java-17-openjdk-*/bin/java"
        )
    return found


def fetch_jars(settings: Settings, layout: Neo4jLayout) -> None:
    """Resolves the server's jars with Maven into the cache; does nothing when already there."""
    marker = layout.lib_dir / ".complete"
    if marker.exists():
        return
    mvn = ensure_debian_package("mvn", "maven")
    layout.lib_dir.mkdir(parents=True, exist_ok=True)
    pom = layout.lib_dir.parent / "pom.xml"
    pom.write_text(resources.files("kgplatform.services").joinpath("neo4j-server.pom.xml").read_text())
    command = [
        mvn,
        "-q",
        "-B",
        "-f",
        str(pom),
        f"-Dneo4j.version={settings.services.neo4j_version}",
        "dependency:copy-dependencies",
        f"-DoutputDirectory={layout.lib_dir}",
        "-DincludeScope=runtime",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        log = layout.lib_dir.parent / "maven.log"
        log.write_text(result.stdout + result.stderr)
        raise ServiceSetupFailed(
            f"Neo4j {settings.services.neo4j_version}: Maven could not fetch the server jars (see {log})"
        )
    marker.write_text(settings.services.neo4j_version)


def write_config(settings: Settings, layout: Neo4jLayout) -> None:
    for sub in ("conf", "data", "logs", "run", "plugins", "import"):
        (layout.home / sub).mkdir(parents=True, exist_ok=True)
    host, port = settings.neo4j.host, settings.neo4j.port
    lines = {
        "server.default_listen_address": host,
        "server.bolt.listen_address": f"{host}:{port}",
        # Two silent keep-alive periods is the read timeout the server hints to the driver (see the setting).
        "server.bolt.connection_keep_alive": f"{settings.services.neo4j_bolt_keep_alive_s}s",
        "server.bolt.connection_keep_alive_probes": 2,
        "server.http.enabled": "false",
        "server.https.enabled": "false",
        "server.directories.data": layout.data_dir,
        "server.directories.logs": layout.home / "logs",
        "server.directories.run": layout.home / "run",
        "server.directories.plugins": layout.home / "plugins",
        "server.directories.import": layout.home / "import",
        "server.memory.heap.initial_size": settings.services.neo4j_heap,
        "server.memory.heap.max_size": settings.services.neo4j_heap,
        "server.memory.pagecache.size": settings.services.neo4j_pagecache,
        "dbms.security.auth_enabled": "true",
        # Read at the first start only (when the system database is made): a later change of
        # KGP_NEO4J__DATABASE finds no such database, which the readiness check says.
        "initial.dbms.default_database": settings.neo4j.database,
        "db.tx_log.rotation.retention_policy": "1 files",
        "server.jvm.additional": " ".join(JVM_OPTIONS),
    }
    text = "".join(f"{key}={value}\n" for key, value in lines.items())
    (layout.conf_dir / "neo4j.conf").write_text(text)


def set_initial_password(settings: Settings, layout: Neo4jLayout, java: str) -> None:
    """Only possible before the first start; afterwards the stored password stays authoritative.

    The password goes to neo4j-admin in an argument file (picocli's `@file`) readable by its owner only,
    not on its command line, which `ps` shows to every user of the machine while the tool runs (as Redis's
    password goes in `auth.conf`). The file is read as UTF-8 whatever the locale: under LANG=C a password
    with an accented letter was stored as another one, which no client could then log in with."""
    if (layout.data_dir / "databases").exists():
        return
    password = settings.neo4j.password.get_secret_value()
    layout.home.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=layout.home, prefix=".set-password-", suffix=".args")  # mode 0600
    arguments = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            print("dbms", "set-initial-password", picocli_quoted(password), file=file)
        result = run_admin(layout, java, [f"@{arguments}"], java_options=["-Dfile.encoding=UTF-8"])
    finally:
        arguments.unlink(missing_ok=True)
    if result.returncode != 0:
        raise ServiceSetupFailed(f"Neo4j: setting the initial password failed: {java_error(result.stderr)}")


def picocli_quoted(text: str) -> str:
    """`text` as one argument of a picocli argument file: in double quotes, its backslashes and quotes
    escaped (unquoted, a space would split it, and a leading # make the line a comment)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_admin(
    layout: Neo4jLayout,
    java: str,
    arguments: list[str],
    stdin: BinaryIO | None = None,
    own_session: bool = False,
    record_exit: Path | None = None,
    java_options: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """Runs `neo4j-admin ARGUMENTS` (its `AdminTool`, from the server's own jars) on this state folder's
    configuration; stdout and stderr are captured as text. `own_session`: a Ctrl-C at the terminal, sent
    to the whole foreground process group, does not reach it. The tool dies with this process
    (`dying_with_parent`): a dump or load left running by a killed backup or restore held the store while
    `services up` started Neo4j on it. `record_exit`: a file its exit status is written to as soon as it
    ends, by a process not frozen or killed with this one (`recorded_exit`). `java_options`: the JVM's own,
    before the class path."""
    command = [java, *java_options, "-cp", f"{layout.lib_dir}/*", "org.neo4j.cli.AdminTool", *arguments]
    if record_exit is not None:
        command = [sys.executable, "-m", RECORDED_EXIT, str(record_exit), *command]
    env = {**os.environ, "NEO4J_HOME": str(layout.home), "NEO4J_CONF": str(layout.conf_dir)}
    return subprocess.run(
        command,
        stdin=stdin,
        capture_output=True,
        env=env,
        check=False,
        encoding="utf-8",
        errors="replace",
        start_new_session=own_session,
        preexec_fn=dying_with_parent(),
    )


PROGRESS_LINE = re.compile(r"(Files: \d+/\d+, data: |Done: \d+ files)")


def java_error(stderr: str) -> str:
    """The reason in a Java tool's error output: its first line (the exception's message; the stack
    trace below it names only methods), without the exception's class name. neo4j-admin's progress lines
    (`Files: 1/69, data:  0.0%`, `Done: ...`) come first on a failed load, and are skipped."""
    lines = [
        line.strip()
        for line in stderr.strip().splitlines()
        if line.strip() and not PROGRESS_LINE.match(line.strip())
    ]
    if not lines:
        return "no error output"
    first = lines[0]
    exception, _, message = first.partition(": ")
    return message if message and exception.rsplit(".", 1)[-1].endswith(("Exception", "Error")) else first


# A line of neo4j-admin's own log (on stdout): `2026-12-05 07:58:09.460+0000 ERROR [o.n.c.d.DumpCommand] ...`.
LOG_ERROR_LINE = re.compile(r"\S+ \S+ ERROR +\[[^\]]*\] (?P<message>.+)")
# The summary a failed command ends with (and all it writes on stderr for a dump): it names no reason.
FAILED_FOR_DATABASES = re.compile(r"\w+ failed for databases: ")


def admin_error(result: subprocess.CompletedProcess[str]) -> str:
    """Why a neo4j-admin command failed: the first ERROR line of its log that gives a reason, else its error
    output (`java_error`). A dump into a full disk writes only "Dump failed for databases: 'neo4j'" on
    stderr; the reason ("No space left on device") is in the log, on stdout."""
    for line in result.stdout.splitlines():
        found = LOG_ERROR_LINE.fullmatch(line.strip())
        if found and not FAILED_FOR_DATABASES.match(found["message"]):
            return found["message"]
    return java_error(result.stderr)


def jvm_size(size: str) -> str:
    """A size in Neo4j's form (settings.NEO4J_SIZE: 1024MiB, 4GB, 2g, 4000000) as -Xms/-Xmx take it
    (1024m, 4g, 2g, 4000000): Java knows only k, m, g and t, and refused 1024MiB ("Invalid initial heap
    size"), so `services up` failed for a value the settings accept. Both count in powers of 1024."""
    number = size.rstrip("BbiKkMmGgTt")
    unit = size[len(number) :][:1].lower()
    return number + (unit if unit in ("k", "m", "g", "t") else "")


def server_command(settings: Settings, layout: Neo4jLayout, java: str) -> list[str]:
    heap = jvm_size(settings.services.neo4j_heap)
    return [
        java,
        "-cp",
        f"{layout.lib_dir}/*",
        f"-Xms{heap}",
        f"-Xmx{heap}",
        *JVM_OPTIONS,
        "org.neo4j.server.CommunityEntryPoint",
        f"--home-dir={layout.home}",
        f"--config-dir={layout.conf_dir}",
    ]


ADMIN_TOOL = "org.neo4j.cli.AdminTool"
RECORDED_EXIT = "kgplatform.services.recorded_exit"


def admin_tools_on(layout: Neo4jLayout, proc: Path = Path("/proc")) -> list[tuple[int, str]]:
    """The neo4j-admin processes run on this layout's store (`run_admin` gives each its NEO4J_HOME), as
    (pid, command: `database dump`), lowest pid first. A backup or restore killed before the tool died
    with it (releases before 5 December 2026) left it reading or writing the store. Only the command's
    first two words are given (`dbms set-initial-password` had the password after them until 8 December
    2026; it now reads it from a file, `@<file>`)."""
    home = f"NEO4J_HOME={layout.home}".encode()
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            # The process recording a load's exit names the tool in its arguments; the tool is its child.
            if ADMIN_TOOL.encode() not in argv or RECORDED_EXIT.encode() in argv:
                continue
            environ = (entry / "environ").read_bytes().split(b"\0")  # only our own processes' are readable
        except OSError:  # gone meanwhile, or not ours
            continue
        if home in environ:
            words = argv[argv.index(ADMIN_TOOL.encode()) + 1 :][:2]
            found.append((int(entry.name), " ".join(word.decode(errors="replace") for word in words)))
    return sorted(found)


def admin_tool_refusal(layout: Neo4jLayout, grace_s: float = 0.0) -> str | None:
    """Why Neo4j must not start (or be dumped or loaded) now: a neo4j-admin still works on its store (the
    server and the tool fight over the store lock, and a load still writing would be served half done);
    None when none does, or when all end within `grace_s`."""
    deadline = time.monotonic() + grace_s
    while (tools := admin_tools_on(layout)) and time.monotonic() < deadline:
        time.sleep(0.2)
    if not tools:
        return None
    named = ", ".join(f"`neo4j-admin {command}` (pid {pid})" for pid, command in tools)
    kill = "kill " + " ".join(str(pid) for pid, _ in tools)
    if any(command == "database load" for _, command in tools):
        kill += "`: a load cut short leaves the database loaded in part, to be restored again"
    else:
        kill += "`"
    return (
        f"{named} still works on the store in {layout.home}, left running by a backup or restore that "
        f"was killed: wait until it ends (or `{kill}), then run `kgplatform services up`"
    )


START_GRACE_S = 5.0


def store_folders(settings: Settings) -> list[Path]:
    """The database's store and transaction logs, which a `neo4j-admin database load` replaces."""
    data, database = layout_for(settings).data_dir, settings.neo4j.database
    return [data / "databases" / database, data / "transactions" / database]


def start(settings: Settings) -> int:
    layout = layout_for(settings)
    # The grace: a backup's own dump killed by a Ctrl-C (subprocess.run waits for it only 0.25 s) may still
    # be exiting when the backup starts Neo4j again.
    if refusal := admin_tool_refusal(layout, grace_s=START_GRACE_S):
        raise ServiceSetupFailed(f"Neo4j was not started: {refusal}")
    # Started, it fails recovery on that store and answers DatabaseUnavailable to everything, for good.
    if (cut := maintenance.cut_short_load(settings, store_folders(settings))) is not None:
        raise ServiceSetupFailed(f"Neo4j was not started: {cut.describe()}")
    java = find_java()
    fetch_jars(settings, layout)
    write_config(settings, layout)
    set_initial_password(settings, layout, java)
    command = server_command(settings, layout, java)
    env = {**os.environ, "NEO4J_HOME": str(layout.home), "NEO4J_CONF": str(layout.conf_dir)}
    return spawn(command, layout.log_path, layout.pid_file, env)


def running_pid(settings: Settings) -> int | None:
    return read_pid(layout_for(settings).pid_file)


def stop(settings: Settings) -> bool:
    return stop_pid(layout_for(settings).pid_file, timeout_s=90)


def refused_credentials(error: BaseException) -> bool:
    """Neo4j answered and refused the user or password (or, after several such, any login for a while)."""
    from neo4j.exceptions import AuthError

    code = getattr(error, "code", None) or ""
    return isinstance(error, AuthError) or code.startswith("Neo.ClientError.Security.")


# Bolt's opening: the magic number, then four version proposals (5.0-5.8 as one range, 4.4, none, none).
BOLT_HANDSHAKE = bytes.fromhex("6060b01700080805000004040000000000000000")
NOT_NEO4J = "is not Neo4j"


def bolt_refusal(host: str, port: int, timeout_s: float) -> tuple[str, bool] | None:
    """None when the program on the port answers Bolt's handshake (with any version, or none in common);
    otherwise why it is not Neo4j, and whether that is unsure (silence or a dropped connection, rather than
    an answer in another protocol). The driver waited 60 s (its connection acquisition timeout) for a
    program that took the connection and said nothing, such as an HTTP server waiting for a request line."""
    said = f"the program listening on port {port} {NOT_NEO4J}"
    answer = b""
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as connection:
            connection.sendall(BOLT_HANDSHAKE)
            while len(answer) < 4 and (chunk := connection.recv(4 - len(answer))):
                answer += chunk
    except TimeoutError:
        return f"{said}: it did not answer Bolt's handshake within {timeout_s:g} s", not answer
    except OSError as error:  # refused or reset: not an answer in another protocol either
        return f"{said}: {error}", True
    if len(answer) == 4 and answer[:2] == b"\x00\x00":  # a version (or none): 4 bytes, major last
        return None
    return f"{said}: it answered Bolt's handshake with {answer!r}", False


def database_refusal(graph: Graph, settings: Settings) -> tuple[str | None, str | None]:
    """(why the database the settings name will never answer, why it did not answer yet): (None, None) once
    a query runs in it. The server answering is not enough: a KGP_NEO4J__DATABASE it does not hold was
    reported ready, and `migrate` failed after (Community edition cannot create one)."""
    from neo4j import exceptions as neo4j_errors

    try:
        graph.ping()
        return None, None
    except neo4j_errors.ClientError as error:
        if error.code == "Neo.ClientError.Database.DatabaseNotFound":
            return (
                f"Neo4j at {settings.neo4j.uri} has no database {settings.neo4j.database!r} (the server's "
                "first start makes KGP_NEO4J__DATABASE its default; a data folder made with another keeps "
                "that one)",
                None,
            )
        return None, neo4j_words(error)
    except Exception as error:  # noqa: BLE001 - still starting (DatabaseUnavailable): waited for
        return None, neo4j_words(error)


def neo4j_words(error: BaseException) -> str:
    """Neo4j's own message and code for an error it sent; the driver's words for one of its own. `str()` of
    Neo4j's adds its GQL status, whose description reads "unexpected error has occurred" for a database
    that is only unavailable."""
    from neo4j.exceptions import Neo4jError

    if isinstance(error, Neo4jError) and error.message:
        return f"{error.message} ({error.code})" if error.code else error.message
    return f"{error.__class__.__name__}: {error}"


STATUS_TIMEOUT_S = 2.0


def database_answer(settings: Settings, timeout_s: float = STATUS_TIMEOUT_S) -> str | None:
    """None when the settings' database answers `graph/ping`; otherwise why not, in Neo4j's words where it
    gave some, for `services status`. A listening port is not enough: a database still starting, or one the
    server cannot open (a store left unusable), answers every query with DatabaseUnavailable, and the API
    with 503. Each step waits at most `timeout_s`, and nothing is retried."""
    from kgplatform.errors import ServiceUnavailable
    from kgplatform.graph.driver import Graph

    neo = settings.neo4j
    plain = neo.uri.split("://", 1)[0] in ("bolt", "neo4j")  # an encrypted one shakes hands inside TLS
    if plain and (refusal := bolt_refusal(neo.host, neo.port, timeout_s)):
        reason, unsure = refusal
        # Silence or a dropped connection, from a port a Neo4j may hold: a frozen server, not another program.
        said = f"the program listening on port {neo.port} {NOT_NEO4J}: "
        return reason.removeprefix(said) if unsure else reason
    quick = neo.model_copy(
        update={
            "connection_timeout_s": timeout_s,
            "connection_acquisition_timeout_s": timeout_s,
            "max_transaction_retry_time_s": 0.0,
        }
    )
    try:
        graph = Graph.connect(quick).with_transaction_timeout(timeout_s)
    except ServiceUnavailable as error:  # refused the login, or gone meanwhile
        return error.message
    try:
        # Asked first: Neo4j holds a query to a database that is not online for 2 s before it refuses it.
        try:
            state = graph.database_status()
        except Exception:  # noqa: BLE001 - no right to read the system database: the query's answer says it
            state = None
        if state is not None and state["current_status"] != "online":
            why = f' ("{state["status_message"]}")' if state["status_message"] else ""
            return f"its database {neo.database!r} is {state['current_status']} on the server{why}"
        missing, reason = database_refusal(graph, settings)
        return missing or (f"its database {neo.database!r} does not answer: {reason}" if reason else None)
    finally:
        graph.close()


def wait_until_ready(settings: Settings, pid: int | None) -> str | None:
    """None when the settings' database answers `graph/ping` on our server; otherwise the reason it did not.
    A program on the port that does not speak Bolt ends the wait at once (on a plain `bolt://` or `neo4j://`
    address; an encrypted one shakes hands inside TLS, and is left to the driver)."""
    from kgplatform.graph.driver import Graph  # the driver is only needed once it is up

    layout = layout_for(settings)
    deadline = time.monotonic() + settings.services.start_timeout_s
    last_error = "Bolt port never opened"
    plain = settings.neo4j.uri.split("://", 1)[0] in ("bolt", "neo4j")
    while time.monotonic() < deadline:
        if pid is not None and read_pid(layout.pid_file) is None:
            return f"the Neo4j process exited during start-up (log: {layout.log_path})"
        if port_open(settings.neo4j.host, settings.neo4j.port):
            refusal = plain and bolt_refusal(
                settings.neo4j.host, settings.neo4j.port, settings.neo4j.connection_timeout_s
            )
            if refusal:
                reason, unsure = refusal
                # Silence from the server we started may be a slow start: it still has until the deadline.
                if not (unsure and pid is not None):
                    return f"{reason}: stop it, or set KGP_NEO4J__URI to another port"
                last_error = reason
                continue
            try:
                graph = Graph.connect(settings.neo4j)
            except Exception as error:  # noqa: BLE001 - reported as the reason below
                if refused_credentials(error.__cause__ or error):
                    # It is up and said no: retrying a wrong password only trips Neo4j's rate limit on
                    # failed logins, which then locks out every client, right ones included.
                    return str(error)
                last_error = str(error)
            else:
                try:
                    if pid is not None and listens_on(pid, settings.neo4j.port) is False:
                        # Another Neo4j took the port first (another checkout's, with the same password):
                        # the tests would empty its graph while ours dies unable to bind.
                        return (
                            f"the Neo4j answering at {settings.neo4j.uri} is not the process started "
                            f"({pid}; log: {layout.log_path}): another server holds the port (stop it, or "
                            "set KGP_NEO4J__URI to another port)"
                        )
                    missing, last_error = database_refusal(graph, settings)
                    if missing or not last_error:
                        return missing
                finally:
                    graph.close()
        time.sleep(0.5)
    waited = settings.services.start_timeout_s
    return f"Neo4j did not answer within {waited:.0f} s: {last_error} (log: {layout.log_path})"
