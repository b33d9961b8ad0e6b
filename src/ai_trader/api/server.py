"""uvicorn's HTTP protocol with the API's error shape for requests it refuses before the app sees them.

uvicorn answers a request it cannot parse (a malformed Content-Length, a broken request line or header) with a
plain-text `400 Invalid HTTP request received.`; `JsonErrorsHttp` answers the same 400 as
`{"error": "invalid_request", "message": ...}` with the security headers. `ai-trader serve` passes it to uvicorn.
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .middleware import SECURITY_HEADERS

BAD_REQUEST = {
    "error": "invalid_request",
    "message": "malformed HTTP request (request line, headers or Content-Length): it could not be parsed",
}


def bad_request_bytes() -> bytes:
    body = json.dumps(BAD_REQUEST).encode()
    head = [
        b"HTTP/1.1 400 Bad Request",
        b"content-type: application/json",
        b"content-length: " + str(len(body)).encode(),
        b"connection: close",
        *(k + b": " + v for k, v in SECURITY_HEADERS),
    ]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


class JsonErrorsHttp(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        self.transport.write(bad_request_bytes())
        self.transport.close()
