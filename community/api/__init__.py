"""The JSON API's shared parts: bearer tokens, request validation, errors, OpenAPI.

Features add their own `/api/v1/...` blueprints and describe them with `add_openapi`;
`/api/openapi.json` merges every description.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Flask, g, jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from community.api import services
from community.extensions import csrf, limiter
from community.ratelimits import client_address, configured_limit
from community.registry import registry

bp = Blueprint("api", __name__, url_prefix="/api")

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=BaseModel)


class ApiError(Exception):
    """Answer with `status` and a JSON body naming each bad field."""

    def __init__(
        self, status: int, message: str, fields: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or []


_UNCHECKED = object()


def _request_token() -> Any:
    """The valid token the request carries, or None; looked up once per request."""
    found = g.get("_api_token", _UNCHECKED)
    if found is _UNCHECKED:
        scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
        found = services.authenticate_token(secret.strip()) if scheme.lower() == "bearer" else None
        g._api_token = found
    return found


def _token_key() -> str:
    """A known token is limited as itself; anything else (no token, an unknown or forged one)
    counts against the client's address, so rotating made-up tokens lifts nothing."""
    token = _request_token()
    return f"token:{token.id}" if token is not None else "ip:" + client_address()


def token_required(view: F) -> F:
    """A bearer token from `api-token create`, or 401; sets `g.api_token`."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        token = _request_token()
        if token is None:
            raise ApiError(401, _("A valid bearer token is required."))
        g.api_token = token
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def api_limit(view: F) -> F:
    """The API's rate limit, counted per token (or per address without one)."""
    return limiter.limit(configured_limit("RATE_LIMIT_API"), key_func=_token_key)(view)


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def validation_fields(error: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors as `{"field": "events[3].occurred_at", "message": ...}`."""
    return [
        {"field": _location(tuple(item["loc"])), "message": item["msg"]}
        for item in error.errors(include_url=False, include_context=False, include_input=False)
    ]


def json_body() -> Any:
    """The request's JSON, or 415/400 with a message that says what was wrong."""
    if not request.is_json:
        raise ApiError(415, _("Send the body as JSON with Content-Type: application/json."))
    try:
        data = request.get_json(silent=True)
    except RecursionError as exc:  # 100,000 "[" exhaust the parser's stack
        raise ApiError(400, _("The body is nested too deeply.")) from exc
    if data is None:
        raise ApiError(400, _("The body is not valid JSON."))
    return data


def parse_body(model: type[M], data: Any | None = None) -> M:
    """Validate the JSON body against a pydantic model; 422 names every bad field."""
    try:
        return model.model_validate(json_body() if data is None else data)
    except ValidationError as error:
        raise ApiError(
            422, _("Some fields are missing or not valid."), validation_fields(error)
        ) from error


def _api_error_response(error: ApiError):  # type: ignore[no-untyped-def]
    body: dict[str, Any] = {"code": error.status, "message": error.message}
    if error.fields:
        body["fields"] = error.fields
    response = jsonify(error=body)
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="portico"'
    return response


def openapi_document() -> dict[str, Any]:
    reg = registry()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Portico API",
            "version": "1",
            "description": "Search the knowledge base, track shipments and push tracking events.",
        },
        "servers": [{"url": "/"}],
        "paths": dict(sorted(reg.openapi_paths.items())),
        "components": {
            "securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA, **reg.openapi_schemas},
        },
    }


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "integer"},
                "message": {"type": "string"},
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            },
        }
    },
}


BEARER = [{"bearerToken": []}]


def component_schemas(models: list[tuple[type[BaseModel], str]]) -> dict[str, Any]:
    """JSON schemas of pydantic models ("validation" for input, "serialization" for
    output) as OpenAPI components, referring to each other by name."""
    _keys, top = models_json_schema(models, ref_template="#/components/schemas/{model}")
    return dict(top.get("$defs", {}))


def schema_ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """An OpenAPI response entry with a JSON body."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def json_request_body(schema: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI request body entry: required JSON."""
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def error_response(description: str) -> dict[str, Any]:
    """An OpenAPI response entry for an error, for feature descriptions to reuse."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi_document())


def register_api_blueprint(app: Flask, blueprint: Blueprint) -> None:
    """API routes authenticate by bearer token, never by cookie, so CSRF does not apply."""
    csrf.exempt(blueprint)
    app.register_blueprint(blueprint)


def init_app(app: Flask) -> None:
    register_api_blueprint(app, bp)
    app.register_error_handler(ApiError, _api_error_response)
