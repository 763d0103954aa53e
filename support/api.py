"""The support API: requests opened and answered on a customer's behalf, by bearer token
(a phone agent's tool, a shop's back office).

The same token, rate limit and errors as the tracking API (`community.api`): pydantic
validates each body and a 422 names every bad field; text with control characters (a NUL
byte) is refused, not silently cleaned. What comes back is what the customer sees: subjects
and names decoded, each message's text as shown, internal notes never.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Any

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from community.api import (
    BEARER,
    ApiError,
    api_limit,
    component_schemas,
    error_response,
    json_body,
    json_request_body,
    json_response,
    parse_body,
    schema_ref,
    token_required,
)
from community.errors import NotFound
from support.models import (
    MAX_BODY,
    MAX_NAME,
    MAX_SUBJECT,
    Channel,
    Priority,
    SupportMessage,
    SupportRequest,
)
from support.services import access, customer, directory, requests
from support.services.requests import Draft

bp = Blueprint("support_api", __name__, url_prefix="/api/v1")

INVALID = "Some fields are missing or not valid."


def _no_controls(value: str) -> str:
    """NUL and other control characters are refused (new lines and tabs are text)."""
    if any(unicodedata.category(char) == "Cc" and char not in "\n\r\t" for char in value):
        raise ValueError("must not contain control characters such as NUL")
    return value


def _one_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    return value


Key = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
Line = Annotated[str, AfterValidator(_no_controls), AfterValidator(_one_line)]
Text = Annotated[str, AfterValidator(_no_controls)]


class _In(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


class RequestIn(_In):
    """A new request, written for the customer named by `email`."""

    email: EmailStr = Field(max_length=254, description="The customer's address.")
    name: Annotated[Line, Field(max_length=MAX_NAME)] = ""
    subject: Annotated[Line, Field(min_length=1, max_length=MAX_SUBJECT)]
    body: Annotated[Text, Field(min_length=1, max_length=MAX_BODY, description="Markdown.")]
    topic: Key | None = Field(default=None, description="A topic's key; decides the department.")
    department: Key | None = Field(default=None, description="A department's key, without topic.")
    priority: Priority = Priority.NORMAL


class MessageIn(_In):
    """A message from the customer, added to their request."""

    body: Annotated[Text, Field(min_length=1, max_length=MAX_BODY, description="Markdown.")]


class EmailQuery(_In):
    email: EmailStr = Field(max_length=254)


class MessageOut(BaseModel):
    body_text: str
    created_at: datetime
    author: str
    kind: str = Field(description="customer or agent (internal notes are never listed)")


class RequestOut(BaseModel):
    number: str
    subject: str
    status: str
    priority: str
    department: str = Field(description="The department's key")
    department_name: str
    requester_email: str
    requester_name: str
    created_at: datetime
    first_reply_due_at: datetime | None
    messages: list[MessageOut]


class RequestsOut(BaseModel):
    requests: list[RequestOut]


class MessageCreatedOut(BaseModel):
    number: str
    status: str
    message: MessageOut


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, _(INVALID), [{"field": field, "message": message}])


def _body() -> Any:
    """The JSON body; one nested beyond what a parser can follow is a 400, not a crash."""
    try:
        return json_body()
    except RecursionError as error:
        raise ApiError(400, _("The body is nested too deeply.")) from error


def message_out(message: SupportMessage) -> MessageOut:
    return MessageOut(
        body_text=message.body_text,
        created_at=message.created_at,
        author=message.author_name or message.author_email,
        kind=message.kind,
    )


def request_out(found: SupportRequest, messages: list[SupportMessage]) -> dict[str, Any]:
    return RequestOut(
        number=found.number,
        subject=found.subject,
        status=found.status,
        priority=found.priority,
        department=found.department.key,
        department_name=found.department.name,
        requester_email=found.requester_email,
        requester_name=found.requester_name,
        created_at=found.created_at,
        first_reply_due_at=found.first_reply_due_at,
        messages=[message_out(message) for message in messages],
    ).model_dump(mode="json")


def _draft(data: RequestIn) -> Draft:
    topic = directory.topic_by_key(data.topic) if data.topic else None
    if data.topic and topic is None:
        raise _invalid("topic", _("No topic has this key."))
    department = directory.department_by_key(data.department) if data.department else None
    if data.department and department is None:
        raise _invalid("department", _("No department has this key."))
    return Draft(
        subject=data.subject,
        body=data.body,
        requester_email=str(data.email),
        requester_name=data.name,
        requester=requests.linked_account(str(data.email)),
        topic_id=topic.id if topic else None,
        department_id=department.id if department else None,
        priority=data.priority.value,
        channel=Channel.API,
    )


@bp.post("/requests")
@api_limit
@token_required
def post_request():
    opened = requests.open_request(_draft(parse_body(RequestIn, _body())))
    response = jsonify(request_out(opened, customer.visible_messages(opened)))
    response.status_code = 201
    response.headers["Location"] = url_for("support_api.get_requests", email=opened.requester_email)
    return response


@bp.get("/requests")
@api_limit
@token_required
def get_requests():
    query = parse_body(EmailQuery, {"email": request.args.get("email", "")})
    found = customer.requests_for_email(str(query.email))
    return jsonify(
        RequestsOut.model_validate(
            {"requests": [request_out(item, messages) for item, messages in found]}
        ).model_dump(mode="json")
    )


@bp.post("/requests/<number>/messages")
@api_limit
@token_required
def post_message(number: str):
    found = access.by_number(number)
    if found is None:
        raise NotFound(_("No request has this number."))
    data = parse_body(MessageIn, _body())
    message = requests.customer_reply(found, data.body, by=found.requester, channel=Channel.API)
    out = MessageCreatedOut(number=found.number, status=found.status, message=message_out(message))
    return jsonify(out.model_dump(mode="json")), 201


# OpenAPI --------------------------------------------------------------------------------------
OPENAPI_SCHEMAS = component_schemas(
    [
        (RequestIn, "validation"),
        (MessageIn, "validation"),
        (RequestOut, "serialization"),
        (RequestsOut, "serialization"),
        (MessageCreatedOut, "serialization"),
    ]
)
SECURITY = BEARER
ERRORS = {
    "401": error_response("Missing or wrong bearer token"),
    "429": error_response("Too many requests for this token"),
}
BODY_ERRORS = {
    "400": error_response("The body is not valid JSON, or nested too deeply"),
    "415": error_response("The body is not JSON (Content-Type: application/json)"),
    "422": error_response("A field is missing or not valid; `fields` names each one"),
}

OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/requests": {
        "post": {
            "summary": "Open a request on a customer's behalf",
            "description": (
                "The customer gets the acknowledgement email with the number and the promised "
                "first reply, as if they had written themselves. A `topic` key decides the "
                "department; without one, `department` does (else the first department). "
                "The request is linked to the customer's account when the address has a "
                "confirmed one."
            ),
            "tags": ["support"],
            "security": SECURITY,
            "requestBody": json_request_body(schema_ref("RequestIn")),
            "responses": {
                "201": json_response(
                    schema_ref("RequestOut"), "The request, with its first message"
                ),
                **BODY_ERRORS,
                **ERRORS,
            },
        },
        "get": {
            "summary": "A customer's requests, newest first, with their conversations",
            "description": "Internal notes are never listed. At most 50 requests.",
            "tags": ["support"],
            "security": SECURITY,
            "parameters": [
                {
                    "name": "email",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "format": "email"},
                }
            ],
            "responses": {
                "200": json_response(
                    schema_ref("RequestsOut"), "The requests (an empty list for none)"
                ),
                "422": BODY_ERRORS["422"],
                **ERRORS,
            },
        },
    },
    "/api/v1/requests/{number}/messages": {
        "post": {
            "summary": "Add a message from the customer to their request",
            "description": (
                "A waiting request runs again and a solved one reopens (within "
                "SUPPORT_REOPEN_DAYS); a closed or merged request refuses with 403."
            ),
            "tags": ["support"],
            "security": SECURITY,
            "parameters": [
                {
                    "name": "number",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[0-9]{1,20}$"},
                }
            ],
            "requestBody": json_request_body(schema_ref("MessageIn")),
            "responses": {
                "201": json_response(schema_ref("MessageCreatedOut"), "The message was added"),
                "403": error_response("The request is closed: open a new one"),
                "404": error_response("No request has this number"),
                **BODY_ERRORS,
                **ERRORS,
            },
        }
    },
}
