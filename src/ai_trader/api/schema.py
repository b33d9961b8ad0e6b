"""The published OpenAPI document says what the server does.

- The `X-API-Key` security scheme (and a 401 on every operation but /health) only when API_KEY is set; without it
  no operation declares a security requirement or a 401.
- Date fields (`date`, `start_date`, `end_date` in queries and in the trigger body) carry `format: date` and the
  `YYYY-MM-DD` pattern; the server answers 400 `invalid_date` to anything else (and to a real-looking date that
  is not on the calendar, or a range whose start is after its end).
- Signatures (`model` in queries, `models` items in the trigger body) carry the signature pattern.
- Links from a queued job (trigger's 202) to its status, events and cancel, for stateful testing.
Rules JSON Schema cannot express (`date` excludes `start_date`/`end_date`; a range's start not after its end; a
signature that is not in the config) are in the descriptions and answered with a 400 naming the field.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from ..config import SIGNATURE_RE
from ..settings import Settings

DATE_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
DATE_FIELDS = frozenset({"date", "start_date", "end_date"})
SIGNATURE_FIELDS = frozenset({"model"})
SCHEME = "APIKeyHeader"
ERROR_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
PUBLIC = frozenset({"/health"})
JOB_LINKS = {
    "GetJobStatus": ("get_status", "the job's status and progress"),
    "GetJobEvents": ("get_events", "the job's audit trail"),
    "CancelJob": ("post_cancel", "cancel the job"),
}


def _date(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": "string", "format": "date", "pattern": DATE_PATTERN}


def _on_strings(schema: dict[str, Any], edit) -> dict[str, Any]:
    """`edit` applied to the string branch of `string | null` (anyOf) or to a plain string schema."""
    if "anyOf" in schema:
        return {**schema, "anyOf": [edit(s) if s.get("type") == "string" else s for s in schema["anyOf"]]}
    return edit(schema) if schema.get("type") == "string" else schema


def _signature(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "minLength": 1, "maxLength": 64, "pattern": SIGNATURE_RE.pattern}


def _signatures(schema: dict[str, Any]) -> dict[str, Any]:
    """A list of signatures in one query value, comma-separated (repeating the parameter works too)."""
    one = SIGNATURE_RE.pattern.strip("^$")
    return {"type": "string", "pattern": f"^{one}(,{one})*$", "description": schema.get("description", "")}


def _parameters(op: dict[str, Any]) -> None:
    for p in op.get("parameters", []):
        if p.get("in") == "query" and p["name"] == "model" and "array" in str(p["schema"]):
            p["schema"] = _signatures(p["schema"])
            continue
        if p.get("in") == "query" and p["name"] in DATE_FIELDS:
            p["schema"] = _on_strings(p["schema"], _date)
        if p.get("in") == "query" and p["name"] in SIGNATURE_FIELDS:
            p["schema"] = _on_strings(p["schema"], _signature)


def _trigger_body(schemas: dict[str, Any]) -> None:
    props = schemas.get("TriggerRequest", {}).get("properties", {})
    for name in ("start_date", "end_date"):
        if name in props:
            props[name] = _on_strings(props[name], _date)
    models = props.get("models", {})
    for branch in models.get("anyOf", []):
        if branch.get("type") == "array":
            branch["items"] = _signature(branch.get("items", {"type": "string"}))


def _security(schema: dict[str, Any], api_key: bool) -> None:
    components = schema.setdefault("components", {})
    if api_key:
        components["securitySchemes"] = {
            SCHEME: {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "the server's API_KEY"}
        }
    else:
        components.pop("securitySchemes", None)
    for path, ops in schema.get("paths", {}).items():
        for op in ops.values():
            responses = op.setdefault("responses", {})
            if api_key and path not in PUBLIC:
                op["security"] = [{SCHEME: []}]
                responses.setdefault("401", {"description": "Missing or invalid X-API-Key", "content": ERROR_REF})
            else:
                op.pop("security", None)
                responses.pop("401", None)


def _links(schema: dict[str, Any]) -> None:
    paths = schema.get("paths", {})
    ids = {
        "get_status": paths.get("/simulate/status/{job_id}", {}).get("get", {}).get("operationId"),
        "get_events": paths.get("/simulate/events/{job_id}", {}).get("get", {}).get("operationId"),
        "post_cancel": paths.get("/simulate/cancel/{job_id}", {}).get("post", {}).get("operationId"),
    }
    accepted = paths.get("/simulate/trigger", {}).get("post", {}).get("responses", {}).get("202")
    if accepted is None:
        return
    accepted["links"] = {
        name: {"operationId": ids[key], "parameters": {"job_id": "$response.body#/job_id"}, "description": text}
        for name, (key, text) in JOB_LINKS.items()
        if ids[key]
    }


def install(app: FastAPI, settings: Settings) -> None:
    build = app.openapi
    done = False

    def openapi() -> dict[str, Any]:
        nonlocal done
        schema = build()  # cached by FastAPI (app.openapi_schema); edited in place once
        if not done:
            for ops in schema.get("paths", {}).values():
                for op in ops.values():
                    _parameters(op)
            _trigger_body(schema.get("components", {}).get("schemas", {}))
            _security(schema, bool(settings.api_key))
            _links(schema)
            done = True
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
