"""JSON for the conversation page's script: older messages, a page at a time, by cursor.

It is read with the browser's login session (the page's own script calls it), not with an
API token: a conversation belongs to people, not to systems.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from community.accounts.permissions import acting_user
from community.api import ApiError, error_response, parse_body
from community.db import utcnow
from community.errors import DomainError
from community.numbers import RowId
from vip import bp, services


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    before: RowId | None = Field(default=None, description="Only messages older than this id.")
    limit: int = Field(default=30, ge=1, le=100)


@bp.get("/conversations/<int:conversation_id>/messages")
def conversation_messages(conversation_id: int):
    """Older messages of a conversation the logged-in person may read (oldest first)."""
    if not current_user.is_authenticated:
        raise ApiError(401, _("Please log in."))
    query = parse_body(HistoryQuery, request.args.to_dict())
    try:
        conversation, _side = services.reachable_conversation(
            acting_user(), conversation_id, utcnow()
        )
    except DomainError as error:
        # This route lives outside /api/, so the refusal is turned into the API's JSON here.
        raise ApiError(error.code, error.message, error.as_dict().get("fields")) from error
    page = services.history(conversation, before=query.before, limit=query.limit)
    return jsonify(
        messages=[services.message_payload(message) for message in page.messages],
        has_more=page.has_more,
        next_before=page.oldest_id if page.has_more else None,
    )


OPENAPI_SCHEMAS = {
    "VipMessage": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "conversation": {"type": "integer"},
            "author": {
                "type": "object",
                "properties": {
                    "id": {"type": ["integer", "null"]},
                    "name": {"type": "string"},
                    "initials": {"type": "string"},
                },
            },
            "from_staff": {"type": "boolean"},
            "by_backup": {"type": "boolean", "description": "Written by the backup manager."},
            "html": {"type": "string", "description": "Sanitised HTML of the Markdown body."},
            "created_at": {"type": "string", "format": "date-time"},
            "read_at": {"type": ["string", "null"], "format": "date-time"},
        },
    }
}

OPENAPI_PATHS = {
    "/vip/conversations/{conversation_id}/messages": {
        "get": {
            "summary": "Older messages of a VIP conversation (browser session, not a token)",
            "description": (
                "Used by the conversation page to load history as the reader scrolls. "
                "Authenticated by the login session cookie: the client of the conversation, "
                "their manager, or their backup manager once the promise has passed."
            ),
            "security": [],
            "parameters": [
                {
                    "name": "conversation_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                },
                {
                    "name": "before",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1},
                    "description": "Cursor: the `next_before` of the previous page.",
                },
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 30},
                },
            ],
            "responses": {
                "200": {
                    "description": "A page of messages, oldest first.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "messages": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/VipMessage"},
                                    },
                                    "has_more": {"type": "boolean"},
                                    "next_before": {"type": ["integer", "null"]},
                                },
                            }
                        }
                    },
                },
                "401": error_response("Not logged in."),
                "403": error_response("A backup manager before the promise has passed."),
                "404": error_response("Not a conversation this person may read."),
                "422": error_response("A query parameter is not valid; `fields` names it."),
            },
        }
    }
}
