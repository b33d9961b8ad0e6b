"""`ai-trader serve`'s process supervisor: the one way the service runs, bare or in the container.

1. Start-up checks: DATA_DIR is a writable directory, the migrations apply, an empty price store gets the packaged
   data set. A failure exits 2 with a message naming what to fix.
2. The API's port is bound before anything starts (a port taken is a clear failure, not a traceback).
3. The four MCP tool servers start as child processes (`python -m ai_trader mcp --only NAME`, one each, so each
   fails and is reported on its own) unless MCP_ENABLED is false, and must all answer HTTP within
   STARTUP_TIMEOUT_SECONDS (the same probe `/health` uses); a child exiting first or the deadline fails the start
   (exit 1) and stops what was started.
4. The worker starts as a child process too (`python -m ai_trader worker`, when WORKER_ENABLED), so a running job
   never competes with the API for its process (its interpreter lock, its event loop), and at a lower CPU
   priority (nice +10), so the API has the cores first when both want them: reads and triggers stay fast while
   model-days run. WORKER_IN_PROCESS=true runs it as a thread of the API process instead (the lifespan
   of `api.app.create_app` starts it), as before.
5. uvicorn serves the API. When any child exits on its own, the API and the other children are stopped and the
   process exits 1, so Docker's restart policy applies (Docker never restarts a container for being unhealthy).
   SIGTERM/SIGINT stop the API gracefully, then the worker (TERM: it lets running model-days finish within
   SHUTDOWN_GRACE_SECONDS, then cancels them), then the MCP servers (they serve the worker's tools until it is
   gone): TERM, then KILL after the grace period + 5 s; exit 0, no child left.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from types import FrameType

import uvicorn

from .errors import FixTheSetup
from .market.packaged import ensure_price_data
from .service.health import SERVICE_NAMES, probe_urls
from .settings import Settings
from .store import Store, db
from .store.engines import hide_password
from .tools.mcp_servers import PORT_SETTINGS

log = logging.getLogger("ai_trader.supervisor")

MCP_SERVERS = ("math", "search", "trade", "price")
KILL_MARGIN_S = 5.0
WORKER_CHILD = "worker"
WORKER_NICENESS = 10


class _Stop(BaseException):
    """SIGTERM/SIGINT before the API runs."""


@dataclass
class Child:
    name: str  # mcp-math, ...
    proc: subprocess.Popen[bytes]


def prepare(settings: Settings) -> int:
    """DATA_DIR writable, migrations applied, packaged data in an empty store; returns the schema version."""
    d = settings.data_dir.resolve()
    try:
        d.mkdir(parents=True, exist_ok=True)
        probe = d / ".write-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise FixTheSetup(
            f"DATA_DIR {d} is not a writable directory ({exc}); this process runs as uid/gid "
            f"{os.getuid()}:{os.getgid()}, give it that owner",
            2,
        ) from None
    try:
        store = Store(settings.store_url)
    except db.DatabaseError as exc:
        raise FixTheSetup(f"cannot open the store {hide_password(settings.store_url)}: {exc}", 2) from None
    try:
        ensure_price_data(store)
        return store.schema_version()
    finally:
        store.close()


def bind_socket(host: str, port: int, what: str) -> socket.socket:
    """A listening socket on host:port; a port taken fails the start with a message naming `what` to change."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise FixTheSetup(f"cannot listen on {host}:{port} ({what}): {exc.strerror or exc}", 1) from None
    sock.listen(2048)
    sock.set_inheritable(False)
    return sock


def check_mcp_ports(settings: Settings) -> None:
    """Each MCP server's port is free, checked before any child starts (a port taken is named with the ways out)."""
    for name in MCP_SERVERS:
        variable = PORT_SETTINGS[name].upper()
        try:
            bind_socket(settings.mcp_host, getattr(settings, PORT_SETTINGS[name]), variable).close()
        except FixTheSetup as exc:
            raise FixTheSetup(
                f"MCP tool servers did not come up: mcp-{name} {exc.message}; free the port, set {variable} to "
                "another one, or run without MCP (MCP_ENABLED=false, serve --no-mcp)",
                1,
            ) from None


def _worker_child() -> None:
    """In the worker child: die with the parent, and yield the CPU to the API when both want it (nice +10): a
    request waits for no model-day, a model-day waits a little when requests need the cores."""
    _die_with_parent()
    os.nice(WORKER_NICENESS)


def _die_with_parent() -> None:
    """In a child: get SIGTERM when the supervisor dies, even by SIGKILL (Linux), so no orphan holds a port."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Supervisor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.children: list[Child] = []
        self._child_died = threading.Event()

    def run(self) -> int:
        """Start everything, serve until a signal or a child's death; the process exit status."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_start_signal)
        try:
            version = prepare(self.settings)
            log.info("database ready", extra={"data_dir": str(self.settings.data_dir), "schema_version": version})
            sock = bind_socket(self.settings.api_host, self.settings.api_port, "API_HOST/API_PORT")
            if self.settings.mcp_enabled:
                check_mcp_ports(self.settings)
                self.start_mcp()
                self.wait_mcp_ready()
            else:
                log.info("MCP_ENABLED is false: not starting the MCP tool servers")
            if self.settings.worker_enabled and not self.settings.worker_in_process:
                self.start_worker()
            return self.serve(sock)
        except FixTheSetup as exc:
            log.error(exc.message, extra={"exit_status": exc.code})
            return exc.code
        except _Stop:
            return 0
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, signal.SIG_IGN)
            self.stop_children()
            log.info("stopped")

    def _on_start_signal(self, signum: int, frame: FrameType | None) -> None:
        log.info(f"received {signal.Signals(signum).name}, stopping", extra={"signal": signum})
        raise _Stop

    def _start_child(self, name: str, *args: str) -> None:
        linux = sys.platform.startswith("linux")
        cmd = [sys.executable, "-m", "ai_trader", *args]
        setup = (_worker_child if name == WORKER_CHILD else _die_with_parent) if linux else None
        proc = subprocess.Popen(cmd, preexec_fn=setup)  # noqa: PLW1509
        self.children.append(Child(name, proc))
        log.info(f"started {name}", extra={"child": name, "pid": proc.pid})

    def start_mcp(self) -> None:
        for name in MCP_SERVERS:
            self._start_child(f"mcp-{name}", "mcp", "--only", name)

    def start_worker(self) -> None:
        """The worker in its own process: it claims queued jobs from the database like `ai-trader worker`."""
        self._start_child(WORKER_CHILD, "worker")

    def wait_mcp_ready(self) -> None:
        """Every MCP URL answers HTTP (any status), polled with the health probe, before the deadline."""
        urls = self.settings.mcp_urls()
        pending = {f"mcp-{n}": urls[n] for n in MCP_SERVERS}
        deadline = time.monotonic() + self.settings.startup_timeout_seconds
        while pending:
            for child in self.children:
                if child.name in pending and child.proc.poll() is not None:
                    raise FixTheSetup(
                        f"MCP tool servers did not come up: {child.name} exited with status {child.proc.returncode} "
                        f"before answering at {pending[child.name]}",
                        1,
                    )
            found = asyncio.run(probe_urls(pending, 1.0))
            for name, result in found.items():
                if result["status"] == "up":
                    pending.pop(name)
            if pending and time.monotonic() > deadline:
                raise FixTheSetup(
                    "MCP tool servers did not come up: no answer from "
                    + ", ".join(f"{n} ({u})" for n, u in pending.items())
                    + f" within {self.settings.startup_timeout_seconds:g} s (STARTUP_TIMEOUT_SECONDS)",
                    1,
                )
            if pending:
                time.sleep(0.1)
        log.info("MCP tool servers answer", extra={"urls": {SERVICE_NAMES[n]: u for n, u in urls.items()}})

    def serve(self, sock: socket.socket) -> int:
        from .api.app import create_app
        from .api.server import JsonErrorsHttp

        config = uvicorn.Config(
            create_app(self.settings, start_worker=self.settings.worker_in_process),
            http=JsonErrorsHttp,  # a request uvicorn cannot parse gets a 400 in the error shape too
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=int(self.settings.shutdown_grace_seconds) + 1,
        )
        server = uvicorn.Server(config)
        # uvicorn takes TERM/INT over while it runs and re-raises them to these handlers after a graceful stop
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, frame: log.info(f"received {signal.Signals(signum).name}, stopped"))
        watcher = threading.Thread(target=self._watch_children, args=(server,), name="supervisor", daemon=True)
        watcher.start()
        server.run(sockets=[sock])
        sock.close()
        if self._child_died.is_set():
            return 1
        return 0 if server.started else 1

    def _watch_children(self, server: uvicorn.Server) -> None:
        while not server.should_exit:
            for child in self.children:
                code = child.proc.poll()
                if code is not None:
                    log.error(
                        f"{child.name} exited, stopping the others",
                        extra={"child": child.name, "pid": child.proc.pid, "exit_status": code},
                    )
                    self._child_died.set()
                    server.should_exit = True
                    return
            time.sleep(0.2)

    def stop_children(self) -> None:
        """The worker first (its model-days may still call the MCP servers), then the MCP servers: TERM, KILL
        those still alive after the grace period + 5 s; reap them all."""
        self._stop([c for c in self.children if c.name == WORKER_CHILD])
        self._stop([c for c in self.children if c.name != WORKER_CHILD])

    def _stop(self, children: list[Child]) -> None:
        live = [c for c in children if c.proc.poll() is None]
        for c in live:
            c.proc.terminate()
        deadline = time.monotonic() + self.settings.shutdown_grace_seconds + KILL_MARGIN_S
        for c in live:
            try:
                c.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("process did not stop in time, killing it", extra={"child": c.name, "pid": c.proc.pid})
                c.proc.kill()
                c.proc.wait()
