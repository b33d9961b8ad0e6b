"""Hosts on one machine: network namespaces joined to this one by veth pairs (`ip netns`, `ip link`), and a private
PostgreSQL server (its own `initdb` cluster, run as the `postgres` user) that listens only on the veth addresses of
this side, so a worker in a namespace reaches the store across a network link (which a test can cut). Needs root,
`ip` and the PostgreSQL server binaries; `require()` fails in CI (env CI set) when they are missing, else skips
with the reason."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


def require() -> Path:
    """The PostgreSQL bin directory, when this machine can build the network (else fail in CI, skip elsewhere)."""
    missing = [
        why
        for why, bad in (
            ("root (ip netns)", os.geteuid() != 0),
            ("the `ip` command (iproute2)", shutil.which("ip") is None),
            ("the PostgreSQL server binaries (/usr/lib/postgresql/*/bin)", _pg_bin() is None),
            (
                "a `postgres` user to run them",
                subprocess.run(["id", "postgres"], check=False, capture_output=True).returncode,
            ),
        )
        if bad
    ]
    if missing:
        message = "the network-namespace test needs " + ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    pg = _pg_bin()
    assert pg is not None
    return pg


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@dataclass(frozen=True)
class Host:
    """A namespace: `run` prefixes a command with it; `server_ip` is the store's address seen from it."""

    netns: str
    link: str  # this side's end of its veth pair (ip link set … down cuts the host off)
    server_ip: str

    def run(self, *argv: str) -> list[str]:
        return ["ip", "netns", "exec", self.netns, *argv]

    def cut(self) -> None:
        _ip("link", "set", self.link, "down")

    def mend(self) -> None:
        _ip("link", "set", self.link, "up")


@contextmanager
def hosts(n: int) -> Iterator[list[Host]]:
    """`n` namespaces, each with a /30 veth link (10.231–10.250.x.1 here, .2 there); removed after."""
    tag = f"{os.getpid() % 100000}{random.randrange(100)}"
    made: list[Host] = []
    try:
        for i in range(n):
            net, link, peer = f"aitr{tag}{i}", f"at{tag}{i}h", f"at{tag}{i}n"
            a, b = random.randrange(231, 251), random.randrange(256)
            here, there = f"10.{a}.{b}.1", f"10.{a}.{b}.2"
            _ip("netns", "add", net)
            made.append(Host(net, link, here))
            _ip("link", "add", link, "type", "veth", "peer", "name", peer)
            _ip("link", "set", peer, "netns", net)
            _ip("addr", "add", f"{here}/30", "dev", link)
            _ip("link", "set", link, "up")
            _ip("netns", "exec", net, "ip", "addr", "add", f"{there}/30", "dev", peer)
            _ip("netns", "exec", net, "ip", "link", "set", peer, "up")
            _ip("netns", "exec", net, "ip", "link", "set", "lo", "up")
        yield made
    finally:
        for h in made:
            subprocess.run(["ip", "link", "del", h.link], check=False, capture_output=True)
            subprocess.run(["ip", "netns", "del", h.netns], check=False, capture_output=True)


@contextmanager
def postgres_on(pg_bin: Path, addresses: list[str]) -> Iterator[int]:
    """A private PostgreSQL cluster listening on `addresses` only (trust auth for 10/8); yields its port."""
    data = Path(tempfile.mkdtemp(prefix="aitr-pg-", dir="/tmp"))
    shutil.chown(data, "postgres")
    data.chmod(0o700)
    port = random.randrange(20000, 30000)
    try:
        _as_postgres(pg_bin / "initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-N")
        with open(data / "pg_hba.conf", "a", encoding="utf-8") as hba:
            hba.write("host all all 10.0.0.0/8 trust\n")
        opts = f"-c listen_addresses={','.join(addresses)} -p {port} -c unix_socket_directories={data} -c fsync=off"
        _as_postgres(pg_bin / "pg_ctl", "-D", str(data), "-o", opts, "-l", str(data / "server.log"), "-w", "start")
        yield port
    finally:
        _as_postgres(pg_bin / "pg_ctl", "-D", str(data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(data, ignore_errors=True)


def _as_postgres(exe: Path, *args: str, check: bool = True) -> None:
    subprocess.run([str(exe), *args], user="postgres", check=check, capture_output=True)


def create_database(address: str, port: int, name: str) -> str:
    """A fresh database on the private server; returns its URL through `address`."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(f"postgresql://postgres@{address}:{port}/postgres", autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")
            return f"postgresql://postgres@{address}:{port}/{name}"
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
