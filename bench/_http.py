"""A minimal keep-alive HTTP/1.1 client on asyncio streams, for load generators: one connection per simulated
client, requests timed end to end. httpx's AsyncClient tops out near 100-300 requests/s with 50 concurrent clients
on this machine (its pool, not the server: wrk gets ~4,800/s from the same server), which would measure the client."""

from __future__ import annotations

import asyncio
import json
from typing import Any


class Conn:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self._r: asyncio.StreamReader | None = None
        self._w: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        if self._w is None:
            self._r, self._w = await asyncio.open_connection(self.host, self.port)
        assert self._r is not None
        data = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Length: {len(data)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        self._w.write(head.encode() + b"\r\n" + data)
        await self._w.drain()
        status_line = await self._r.readline()
        if not status_line:
            await self.close()
            raise ConnectionError("server closed the connection")
        status = int(status_line.split()[1])
        length, close = 0, False
        while (line := await self._r.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        payload = await self._r.readexactly(length)
        if close:
            await self.close()
        return status, payload

    async def close(self) -> None:
        if self._w is not None:
            self._w.close()
            try:
                await self._w.wait_closed()
            except OSError:
                pass
        self._r = self._w = None
