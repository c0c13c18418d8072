"""running_http_server: a real child process, served until the block ends, or a clear failure."""

from __future__ import annotations

import os
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from kgplatform.errors import ServiceSetupFailed
from kgplatform.services.processes import free_port, running_http_server


def test_serves_until_the_block_ends_then_stops(tmp_path: Path) -> None:
    (tmp_path / "ready").write_text("yes")
    port = free_port()
    url = f"http://127.0.0.1:{port}/ready"
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with (
        running_http_server(command, url, cwd=tmp_path, env=os.environ, timeout_s=30) as process,
        urllib.request.urlopen(url, timeout=5) as response,
    ):
        assert response.read() == b"yes"
    assert process.poll() is not None


def test_a_server_that_exits_first_is_a_clear_failure(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "raise SystemExit(3)"]
    url = f"http://127.0.0.1:{free_port()}/"
    with (
        pytest.raises(ServiceSetupFailed, match=r"did not answer 200 .*exit code 3"),
        running_http_server(command, url, cwd=tmp_path, env=os.environ, timeout_s=30),
    ):
        pytest.fail("the block must not run")


class _AnswersOk(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_an_answer_from_another_process_on_the_port_is_not_taken_for_the_server(tmp_path: Path) -> None:
    # Another server took the port between free_port() and the child's bind: its 200 must not pass for
    # the child's, which exits unable to bind.
    squatter = HTTPServer(("127.0.0.1", 0), _AnswersOk)
    threading.Thread(target=squatter.serve_forever, daemon=True).start()
    port = squatter.server_address[1]
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    try:
        with (
            pytest.raises(
                ServiceSetupFailed, match=f"not from this server: another process listens on port {port}"
            ),
            running_http_server(
                command, f"http://127.0.0.1:{port}/", cwd=tmp_path, env=os.environ, timeout_s=30
            ),
        ):
            pytest.fail("the block must not run")
    finally:
        squatter.shutdown()
        squatter.server_close()
