"""What the request-head bound (`kgplatform/api/head_limit.py`) costs a request, against uvicorn's own
httptools protocol measured in the same run.

Serves a bare ASGI app (no routes, no key) with each protocol in turn on a free port, and sends --requests
GETs with an X-API-Key header on one keep-alive connection, after --warmup unmeasured ones; --rounds times,
alternating which protocol goes first. Prints each round's p50 in microseconds and the ratio bounded/plain.
Example:
    python bench/bench_head_limit.py --requests 3000 --rounds 3
"""

from __future__ import annotations

import argparse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000, help="measured requests per protocol and round")
    parser.add_argument("--warmup", type=int, default=300, help="unmeasured requests first")
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    import http.client
    import socket
    import statistics
    import threading
    import time
    from typing import Any

    import uvicorn

    from kgplatform.api.head_limit import bounded_head_protocol
    from kgplatform.settings import get_settings

    async def hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    def p50_us(protocol: Any) -> float:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = uvicorn.Config(hello, port=port, http=protocol, log_level="critical", lifespan="off")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        connection = http.client.HTTPConnection("127.0.0.1", port)
        headers = {"X-API-Key": "kgp_" + "a" * 43}
        took = []
        for k in range(args.warmup + args.requests):
            start = time.perf_counter()
            connection.request("GET", "/", headers=headers)
            connection.getresponse().read()
            if k >= args.warmup:
                took.append(time.perf_counter() - start)
        connection.close()
        server.should_exit = True
        thread.join(10)
        return statistics.median(took) * 1e6

    bounded = bounded_head_protocol(get_settings().serving.max_head_bytes)
    for round_ in range(args.rounds):
        order = [("plain", "httptools"), ("bounded", bounded)]
        if round_ % 2:
            order.reverse()
        p50 = {name: p50_us(protocol) for name, protocol in order}
        print(
            f"round {round_ + 1}: httptools p50 {p50['plain']:.0f} us, bounded p50 {p50['bounded']:.0f} us, "
            f"ratio {p50['bounded'] / p50['plain']:.2f}"
        )


if __name__ == "__main__":
    main()
