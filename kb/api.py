"""`GET /api/v1/search`: the knowledge base (and every other indexed kind) for programs.

Published content is public, so the search needs no token; it is rate limited per address
(or per token when one is sent) like the rest of the API.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from community.api import ApiError, api_limit, error_response, parse_body
from kb.services import catalog, search

bp = Blueprint("kb_api", __name__, url_prefix="/api/v1")

MAX_LIMIT = 50


class SearchParams(BaseModel):
    model_config = ConfigDict(extra="ignore")

    q: str = Field(max_length=10_000)
    limit: int = Field(default=10, ge=1, le=MAX_LIMIT)
    page: int = Field(default=1, ge=1, le=50)
    category: str | None = Field(default=None, max_length=80)

    @field_validator("q")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise PydanticCustomError("blank", "must not be blank")
        return value


def _absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path if path.startswith("/") else path


@bp.get("/search")
@api_limit
def search_articles():
    params = parse_body(SearchParams, request.args.to_dict())
    if params.category and catalog.find_category(params.category) is None:
        raise ApiError(
            422,
            _("Some fields are missing or not valid."),
            [{"field": "category", "message": _("No category has this slug.")}],
        )
    results = search(params.q, page=params.page, per_page=params.limit, category=params.category)
    body = [{**hit.as_json(), "url": _absolute(hit.url)} for hit in results.hits]
    response = jsonify(body)
    response.headers["X-Total-Count"] = str(results.total)
    if results.did_you_mean and results.did_you_mean.isascii():
        response.headers["X-Did-You-Mean"] = results.did_you_mean
    return response


OPENAPI_SCHEMAS: dict[str, Any] = {
    "SearchResult": {
        "type": "object",
        "required": ["title", "url", "snippet", "score", "kind"],
        "properties": {
            "title": {"type": "string"},
            "url": {"type": "string", "format": "uri", "description": "Absolute link to the page."},
            "snippet": {
                "type": "string",
                "description": "HTML: escaped text with the searched words in <mark> elements.",
            },
            "score": {"type": "number", "description": "Relevance (BM25); higher is better."},
            "kind": {
                "type": "string",
                "description": "What the result is: `article`, or another indexed kind (`topic`).",
            },
        },
    }
}

OPENAPI_PATHS: dict[str, Any] = {
    "/api/v1/search": {
        "get": {
            "summary": "Search the knowledge base",
            "description": (
                "Published articles (and other indexed content, such as solved forum topics), "
                "best matches first. Chinese and English; English words are stemmed, so "
                "`refunds` finds `refund`. Any text is a valid query. No token needed."
            ),
            "operationId": "search",
            "tags": ["search"],
            "parameters": [
                {
                    "name": "q",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1},
                    "description": "What to look for, e.g. `refund` or `退货`.",
                },
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_LIMIT,
                        "default": 10,
                    },
                },
                {
                    "name": "page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 1},
                },
                {
                    "name": "category",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "A category slug, e.g. `returns`.",
                },
            ],
            "responses": {
                "200": {
                    "description": "Matching results (possibly none).",
                    "headers": {
                        "X-Total-Count": {
                            "schema": {"type": "integer"},
                            "description": "How many results match in all.",
                        }
                    },
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/SearchResult"},
                            }
                        }
                    },
                },
                "422": error_response("A parameter is missing or not valid (named in `fields`)."),
                "429": error_response("Too many requests."),
            },
        }
    }
}
