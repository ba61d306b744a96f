"""Run the service in a background thread on a free loopback port (tests, benchmarks, demos).

``soliris serve`` is the way to run the service for people; this helper is for code that needs
a real HTTP server next to it for a while::

    with serve_in_thread(create_app(matcher=m)) as base_url:
        httpx.get(base_url + "/api/health")
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

LOOPBACK = "127.0.0.1"


@contextmanager
def serve_in_thread(app: FastAPI, *, host: str = LOOPBACK, port: int = 0,
                    start_timeout: float = 120.0, log_level: str = "warning") -> Iterator[str]:
    """Serve ``app`` with uvicorn until the block ends; yields the base URL (no trailing /).

    ``port=0`` takes a free port. Start-up (model warm-up included) must finish within
    ``start_timeout`` seconds.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name="soliris-service", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the service did not start (see the log above)")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
