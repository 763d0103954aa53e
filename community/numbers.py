"""Whole numbers from a request, bounded where they are parsed.

Row ids are 32-bit integers on PostgreSQL: a larger number names no row, and sent to the
database it fails the whole query (a 500) where a missing row should be a 404 or an empty
list. So every number a person or a client sends (an address segment, a query parameter, a
form field, a socket payload, an API field) is read through this module, and arrives in
range or not at all.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from flask import Flask, request
from flask_babel import gettext as _
from pydantic import Field
from werkzeug.routing import IntegerConverter, Map, ValidationError

from community.errors import InvalidInput

MAX_ID = 2**31 - 1
# Long enough for any number someone might type; far longer text is not a number.
_WHOLE = re.compile(r"[+-]?[0-9]{1,100}")
_REQUIRED: Any = object()

# A row id in a pydantic schema (API bodies and queries, socket payloads).
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


def bounded_int(
    value: Any,
    *,
    field: str,
    low: int = 1,
    high: int = MAX_ID,
    default: Any = _REQUIRED,
    clamp: bool = False,
) -> Any:
    """`value` (text or int) as a whole number in `low..high`, so no caller sends the database
    a number it cannot hold. A missing or bad value gives `default`, or raises InvalidInput
    naming `field` when there is none; `clamp` pulls a number past a bound back to it."""
    number = _whole(value)
    if number is not None and clamp:
        number = min(max(number, low), high)
    if number is not None and low <= number <= high:
        return number
    if default is _REQUIRED:
        raise InvalidInput(
            _("Enter a whole number from %(low)d to %(high)d.", low=low, high=high), field=field
        )
    return default


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value.strip())
    return None


def query_int(
    name: str, default: Any = None, *, low: int = 1, high: int = MAX_ID, clamp: bool = False
) -> Any:
    """A number from the query string; anything else is `default`, as a link with a stale or
    edited parameter should still show a page."""
    return bounded_int(
        request.args.get(name), field=name, low=low, high=high, default=default, clamp=clamp
    )


def form_int(name: str, default: Any = None, *, low: int = 1, high: int = MAX_ID) -> Any:
    """A number from the posted form (a hidden field); anything else is `default`."""
    return bounded_int(request.form.get(name), field=name, low=low, high=high, default=default)


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route: a number past what an id column holds names nothing (404),
    instead of reaching the database."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> Any:
        if len(value) > 20:
            raise ValidationError()
        return super().to_python(value)


def init_app(app: Flask) -> None:
    """Replace Werkzeug's `int` converter before any blueprint adds a route."""
    app.url_map.converters["int"] = BoundedIntConverter
