"""Hardening of the HTTP surface: the API key guards everything but /health and the dashboard page (the OpenAPI
document and the docs included), the docs work without a CDN, every answer carries the security headers, and
inputs that used to give a 500, plain text or an empty redirect get a JSON answer in the error shape."""

from __future__ import annotations

import json
import re
import socket

import pytest
from fastapi.testclient import TestClient

from ai_trader.api.app import create_app
from ai_trader.api.server import JsonErrorsHttp
from tests.support.servers import ThreadServer

KEY = "hardening-key-Qw7Lp2Xz"
SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


@pytest.fixture
def keyed(api_settings, priced_store):
    app = create_app(api_settings.model_copy(update={"api_key": KEY}), store=priced_store, start_worker=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _is_error(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert isinstance(body["error"], str) and isinstance(body["message"], str)
    if code is not None:
        assert body["error"] == code
    return body


# ---- 3: API key on the schema and the docs; docs offline -----------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/openapi.json", "/docs", "/redoc", "/docs/static/swagger-ui-bundle.js", "/simulate/current", "/nope"]
)
def test_with_an_api_key_the_schema_and_the_docs_need_it(keyed, path):
    _is_error(keyed.get(path), 401, "unauthorized")
    _is_error(keyed.get(path, headers={"X-API-Key": "wrong"}), 401, "unauthorized")
    assert keyed.get(path, headers={"X-API-Key": KEY}).status_code in (200, 404)


@pytest.mark.parametrize("path", ["/health", "/", "/dashboard", "/dashboard/static/main.js"])
def test_with_an_api_key_health_and_the_dashboard_page_stay_public(keyed, path):
    assert keyed.get(path).status_code != 401


def test_the_docs_pages_load_everything_from_this_server(client):
    for page in ("/docs", "/redoc"):
        resp = client.get(page)
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
        html = resp.text
        assert "<script>" not in html and "cdn" not in html.lower()  # no inline script, no CDN
        refs = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert refs and all(r.startswith("/") or r.startswith("data:") for r in refs), refs
        for ref in (r for r in refs if r.startswith("/")):
            asset = client.get(ref)
            assert asset.status_code == 200, ref
            assert len(asset.content) > 100, ref
    assert len(client.get("/docs/static/swagger-ui-bundle.js").content) > 500_000  # the real bundle
    _is_error(client.get("/docs/static/..%2Fdocs.py"), 404, "not_found")


# ---- 4: security headers on every answer ------------------------------------------------------------------------


def test_every_answer_carries_the_security_headers(client, keyed):
    answers = [
        client.get("/"),
        client.get("/dashboard/static/main.js"),
        client.get("/docs"),
        client.get("/openapi.json"),
        client.get("/simulate/jobs"),
        client.get("/simulate/status/nope"),
        client.get("/nope"),
        client.post("/simulate/trigger", json={"bogus": 1}),
        client.post("/simulate/trigger", content=b"x" * 70_000, headers={"content-type": "application/json"}),
        client.delete("/results"),
        keyed.get("/performance"),
        client.get("/health"),
    ]
    for resp in answers:
        for name, value in SECURITY.items():
            assert resp.headers.get(name) == value, (resp.request.url, name)
        csp = resp.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, resp.request.url
        assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]


# ---- 5: lone surrogates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('{"models": ["\\ud800"]}', "invalid_request"),
        ('{"models": ["ok", "x\\udfff"]}', "invalid_request"),
        ('{"config_path": "\\ud800.json"}', "invalid_request"),
        ('{"start_date": "2025-10-01\\ud800"}', "invalid_date"),  # a bad date is invalid_date everywhere (api.md)
        ('{"end_date": "\\udbff"}', "invalid_date"),
    ],
)
def test_a_lone_surrogate_in_any_string_field_is_a_400(client, body, code):
    resp = client.post("/simulate/trigger", content=body.encode(), headers={"content-type": "application/json"})
    problem = _is_error(resp, 400, code)
    assert "Unicode" in problem["message"]


# ---- 6: dashboard data routes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "2025-07-01", "end_date": "2025-07-31", "initial": "inf"},
        {"start_date": "2025-07-01", "end_date": "2025-07-31", "initial": "nan"},
        {"start_date": "2025-07-01", "end_date": "2025-07-31", "initial": "1e309"},
        {"start_date": "2025-07-01", "end_date": "2025-07-31", "initial": "-5"},
        {"start_date": "2025-07-01", "end_date": "2025-07-31", "initial": "1e13"},
        {"end_date": "2025-07-31"},
        {"start_date": "2025-07-31", "end_date": "2025-07-01"},
        {"start_date": "2025-7-1", "end_date": "2025-07-31"},
    ],
)
def test_the_benchmark_line_validates_its_query(client, query):
    _is_error(client.get("/dashboard/data/benchmark", params=query), 400)


def test_the_dashboard_data_routes_are_in_the_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/dashboard/data/benchmark", "/dashboard/data/closes"} <= set(paths)
    ok = client.get("/dashboard/data/benchmark", params={"start_date": "2025-07-01", "end_date": "2025-07-03"})
    assert ok.status_code == 200 and ok.json()["series"]
    _is_error(client.get("/dashboard/data/closes"), 400)


# ---- 7: JSON in the error shape, always ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/simulate/status", "/simulate/events", "/results/", "/dashboard/"])
def test_no_redirect_without_an_id_or_with_a_trailing_slash(client, path):
    _is_error(client.get(path, follow_redirects=False), 404, "not_found")


def test_status_with_an_empty_id_is_a_json_404(client):
    _is_error(client.get("/simulate/status/", follow_redirects=False), 404, "not_found")


def test_a_malformed_content_length_reaching_the_app_is_a_json_400(client):
    for value in ("abc", "-1", "1e3", ""):
        resp = client.post("/simulate/trigger", content=b"{}", headers={"content-length": value})
        _is_error(resp, 400, "invalid_request")


def _raw(port: int, request: bytes) -> tuple[str, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:])}
    return lines[0], headers, body


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"POST /simulate/trigger HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nContent-Type: text/plain\r\n\r\n{}",
        b"POST /simulate/trigger HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
    ],
)
def test_requests_the_http_server_cannot_parse_get_a_json_400(api_settings, priced_store, request_bytes):
    app = create_app(api_settings, store=priced_store, start_worker=False)
    server = ThreadServer(app)
    server.server.config.http = JsonErrorsHttp  # what `ai-trader serve` runs (supervisor.py)
    with server:
        status, headers, body = _raw(server.port, request_bytes)
    assert status.startswith("HTTP/1.1 400"), status
    assert headers["content-type"] == "application/json" and headers["x-frame-options"] == "DENY"
    assert json.loads(body)["error"] == "invalid_request"


# ---- 8: the schema says what the server does -----------------------------------------------------------------


def test_the_api_key_scheme_is_declared_only_when_the_server_has_a_key(client, keyed):
    open_doc = client.get("/openapi.json").json()
    keyed_doc = keyed.get("/openapi.json", headers={"X-API-Key": KEY}).json()
    assert "securitySchemes" not in open_doc.get("components", {})
    scheme = next(iter(keyed_doc["components"]["securitySchemes"].values()))
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "X-API-Key"}
    for doc, keyed_server in ((open_doc, False), (keyed_doc, True)):
        for path, ops in doc["paths"].items():
            for op in ops.values():
                guarded = keyed_server and path != "/health"
                assert bool(op.get("security")) == guarded, path
                assert ("401" in op["responses"]) == guarded, path


def test_date_fields_carry_their_pattern(client):
    doc = client.get("/openapi.json").json()
    seen = 0
    for ops in doc["paths"].values():
        for op in ops.values():
            for p in op.get("parameters", []):
                if p["name"] in ("date", "start_date", "end_date"):
                    branches = p["schema"].get("anyOf", [p["schema"]])
                    string = next(b for b in branches if b.get("type") == "string")
                    assert string["format"] == "date" and re.match(string["pattern"], "2025-10-15")
                    assert not re.match(string["pattern"], "2025-1-15")
                    seen += 1
    assert seen >= 7
    body = doc["components"]["schemas"]["TriggerRequest"]["properties"]
    for name in ("start_date", "end_date"):
        assert any(b.get("format") == "date" and b.get("pattern") for b in body[name]["anyOf"])
    items = next(b for b in body["models"]["anyOf"] if b.get("type") == "array")["items"]
    assert items["minLength"] == 1 and items["pattern"]


def test_the_dashboard_data_routes_follow_the_api_conventions(keyed):
    """Behind the API key like every endpoint, and bad input answered by the API's error handler (with details)."""
    path = "/dashboard/data/closes"
    _is_error(keyed.get(path, params={"date": "2025-07-01", "symbols": "AAPL"}), 401, "unauthorized")
    ok = keyed.get(path, params={"date": "2025-07-01", "symbols": "AAPL,NOPE"}, headers={"X-API-Key": KEY})
    assert ok.status_code == 200 and set(ok.json()["closes"]) == {"AAPL"}
    bad = _is_error(keyed.get(path, params={"date": "2025-02-30"}, headers={"X-API-Key": KEY}), 400, "invalid_date")
    assert bad["details"] == {"field": "date"}
