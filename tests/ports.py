"""A TCP port on 127.0.0.1 that nothing listens on now: bound by the system's choice, then released, for a
server a test starts (an exporter, uvicorn) or a service a test wants away."""

from __future__ import annotations

import socket


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
