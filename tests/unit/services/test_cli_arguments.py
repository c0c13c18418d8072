"""Operator commands refuse arguments they cannot act on before doing anything (exit 2, one message)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kgplatform.cli import app
from kgplatform.settings import get_settings


def test_services_down_refuses_a_service_it_does_not_know() -> None:
    """A typo once stopped nothing and exited 0, as if all was well."""
    result = CliRunner().invoke(app, ["services", "down", "--only", "Neo4j"])
    assert result.exit_code == 2
    words = " ".join(result.output.replace("│", " ").split())
    assert "unknown service(s) Neo4j" in words and "neo4j, redis" in words


def test_eval_transfer_refuses_an_output_folder_that_does_not_exist(tmp_path: Path) -> None:
    """Checked before the evaluation, not after minutes of it."""
    out = tmp_path / "missing" / "report.json"
    result = CliRunner().invoke(app, ["eval-transfer", "--data", "generated", "--out", str(out)])
    words = " ".join(result.output.replace("│", " ").split())  # the error box wraps long paths
    assert result.exit_code == 2 and "Invalid value for --out" in words and "does not exist" in words


def test_simulate_policies_refuses_a_goal_focus_out_of_range() -> None:
    result = CliRunner().invoke(app, ["simulate-policies", "--goal-focus", "9"])
    words = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2 and "--goal-focus" in words


def test_simulate_policies_refuses_a_plot_name_that_is_no_png_before_simulating(tmp_path: Path) -> None:
    """`--plot out.svg` held a PNG under an SVG's name, and a folder failed only after the simulation."""
    (tmp_path / "plots.png").mkdir()
    for given, said in [(tmp_path / "out.svg", "must end in .png"), (tmp_path / "plots.png", "is a folder")]:
        # --learners 2: were the name not checked first, the run would simulate and write.
        result = CliRunner().invoke(app, ["simulate-policies", "--learners", "2", "--plot", str(given)])
        words = " ".join(result.output.replace("│", " ").split())
        assert result.exit_code == 2 and "--plot" in words and said in words, words
    assert not (tmp_path / "out.svg").exists()


def test_api_port_zero_asks_for_any_free_port(monkeypatch: object) -> None:
    """`kgplatform api --port 0` became the default 8000 (`port or settings.api_port`: 0 is falsy)."""
    import uvicorn

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))  # type: ignore[attr-defined]
    # The configured port may be taken on this machine (an API running): that refusal is tested below.
    monkeypatch.setattr("kgplatform.cli.serve.listen_refused", lambda host, port: None)  # type: ignore[attr-defined]
    assert CliRunner().invoke(app, ["api", "--port", "0"]).exit_code == 0
    assert seen["port"] == 0
    assert CliRunner().invoke(app, ["api"]).exit_code == 0
    assert seen["port"] == get_settings().api_port  # no --port: the configured one


def test_import_dataset_refuses_al_cpl_options_for_another_dataset() -> None:
    """`import-dataset junyi --domain physics` imported the whole of Junyi, the option silently ignored."""
    for options in (["--domain", "physics"], ["--transitive-reduction"]):
        result = CliRunner().invoke(app, ["import-dataset", "junyi", *options])
        words = " ".join(result.output.replace("│", " ").split())
        assert result.exit_code == 2 and options[0] in words and "applies to al-cpl only" in words, words


def test_api_on_a_taken_port_says_so_before_starting_the_app(monkeypatch: object) -> None:
    """uvicorn started the app (Neo4j and Redis clients, the change poll), failed to bind, logged its
    startup and shutdown around "[Errno 98]" and exited 3."""
    import socket

    import uvicorn

    started: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append(kwargs))  # type: ignore[attr-defined]
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["api", "--host", "127.0.0.1", "--port", str(port)])
    words = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2 and f"cannot serve on 127.0.0.1:{port}" in words, words
    assert started == []


def test_demo_refuses_a_taken_api_port_before_its_first_stage(monkeypatch: object) -> None:
    """With --serve (the default) the demo ran all seven stages, revoking the previous demo key and issuing
    a new one, before `api` refused the port (a review, s30)."""
    import socket

    from kgplatform.services import manager

    started: list[object] = []
    monkeypatch.setattr(manager, "up", lambda *args, **kwargs: started.append(args) or [])  # type: ignore[attr-defined]
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        monkeypatch.setenv("KGP_API_HOST", "127.0.0.1")  # type: ignore[attr-defined]
        monkeypatch.setenv("KGP_API_PORT", str(port))  # type: ignore[attr-defined]
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(app, ["demo"])
        finally:
            get_settings.cache_clear()
    words = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2 and f"cannot serve on 127.0.0.1:{port}" in words, words
    assert started == [] and "1. services" not in words


def test_services_up_refuses_a_started_file_it_cannot_write_before_starting_anything(
    tmp_path: Path, monkeypatch: object
) -> None:
    from kgplatform.services import manager

    started: list[object] = []
    monkeypatch.setattr(manager, "up", lambda *args, **kwargs: started.append(args) or [])  # type: ignore[attr-defined]
    missing = tmp_path / "no-such-folder" / "started.txt"
    result = CliRunner().invoke(app, ["services", "up", "--started-file", str(missing)])
    words = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2 and "--started-file" in words and "cannot write" in words
    assert started == []


def test_eval_transfer_passes_the_simulator_switches_to_the_simulation(monkeypatch: object) -> None:
    """`--no-simulator-forgetting/--no-simulator-readiness` are what the documented measurements ran with
    (docs/transfer.md); nothing checked that they reach `SimulationOptions` (a review, s33)."""
    import kgplatform.transfer.evaluate as evaluate
    import kgplatform.transfer.generated as generated

    seen: list[object] = []

    class Stop(Exception):
        pass

    def capture(options: object, cache: object) -> object:
        seen.append(options)
        raise Stop

    monkeypatch.setattr(generated, "generated_problem", capture)  # type: ignore[attr-defined]
    monkeypatch.setattr(evaluate, "evaluate", lambda *a, **k: None)  # type: ignore[attr-defined]
    try:
        for flags, expected in [
            ([], (True, True)),
            (["--no-simulator-forgetting"], (False, True)),
            (["--no-simulator-readiness"], (True, False)),
        ]:
            result = CliRunner().invoke(app, ["eval-transfer", "--data", "generated", *flags])
            assert isinstance(result.exception, Stop), result.output
            options = seen.pop()
            assert (options.forgetting, options.readiness) == expected, flags  # type: ignore[attr-defined]
    finally:
        get_settings.cache_clear()  # the command cached the settings it read; later tests set their own
