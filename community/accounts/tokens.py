"""Signed, expiring tokens for email confirmation and password reset links."""

from __future__ import annotations

import hashlib
from enum import Enum
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenProblem(Enum):
    INVALID = "invalid"
    EXPIRED = "expired"


class TokenError(Exception):
    def __init__(self, problem: TokenProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portico.{purpose}")


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict[str, Any]:
    """The payload of a valid token; raises TokenError saying whether it expired or is bad."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError(TokenProblem.EXPIRED) from exc
    except BadSignature as exc:
        raise TokenError(TokenProblem.INVALID) from exc
    if not isinstance(payload, dict):
        raise TokenError(TokenProblem.INVALID)
    return payload


def fingerprint(value: str) -> str:
    """A short digest of a secret, so a token can be tied to it without revealing it."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]
