"""A tiny local HTTP server answering /health with a chosen status, for testing the health-check commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from tests.support.servers import HttpThread


@contextmanager
def health_server(status: int) -> Iterator[tuple[int, list[str]]]:
    """Yields (port, paths requested) of a server answering every GET with `status`."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            body = b'{"status": "healthy"}' if status == 200 else b'{"status": "unhealthy"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    with HttpThread(Handler) as server:
        yield server.port, seen
