"""Network stand-ins for MCP services in health tests: an HTTP server that answers, a socket that accepts and
never answers (a hung service), and a port with nothing listening."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler

from tests.support.servers import HttpThread, free_port


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(405)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Answering(HttpThread):
    def __init__(self):
        super().__init__(_Answer)
        self.start()

    def close(self):
        self.stop()


class Hanging:
    """Accepts connections and reads, never writes."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                c, _ = self.sock.accept()
                self.conns.append(c)
            except (TimeoutError, OSError):
                continue

    def close(self):
        self._stop.set()
        for c in self.conns:
            c.close()
        self.sock.close()


dead_port = free_port  # nothing listens there
