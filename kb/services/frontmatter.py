"""Front matter as documentation generators write it: YAML (`---`), TOML (`+++`) or JSON (`{`).

Portico has no YAML library at run time, so YAML is read here for what front matter uses:
`name: value` lines, quoted strings, `[a, b]` and `- item` lists, `|`/`>` blocks and nested
maps (kept as they are, for metadata). A line that is none of these is a problem of the file,
reported with its number; every problem is collected, never only the first.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

_KEY_LINE = re.compile(r"^([A-Za-z0-9_][\w.\- ]*?)\s*:(?:\s+(.*)|\s*)$")


@dataclass
class Parsed:
    """A file's front-matter fields (keys lower-cased), its body, and what was wrong."""

    fields: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    has_front_matter: bool = False
    problems: list[str] = field(default_factory=list)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        inner = value[1:-1]
        return inner.replace("''", "'") if value[0] == "'" else inner.replace('\\"', '"')
    return value


def _strip_comment(value: str) -> str:
    # A "#" after a space starts a comment, as in YAML; inside quotes it is text.
    if value.lstrip()[:1] in "\"'[{":
        return value
    return re.split(r"\s#", value, maxsplit=1)[0]


def _scalar(value: str) -> Any:
    value = _strip_comment(value).strip()
    if value.startswith("[") and value.endswith("]"):
        return [_unquote(item) for item in value[1:-1].split(",") if item.strip()]
    if value in {"true", "True", "yes"}:
        return True
    if value in {"false", "False", "no"}:
        return False
    if re.fullmatch(r"-?\d{1,9}", value):
        return int(value)
    return _unquote(value)


def _block(value: str, lines: list[str]) -> Any:
    """The value of a key whose lines follow it, indented."""
    marker = value.strip()[:1]
    if marker in {"|", ">"}:
        texts = [line.strip() for line in lines]
        return ("\n" if marker == "|" else " ").join(texts).strip()
    items = [line.strip() for line in lines if line.strip()]
    if items and all(item.startswith("-") for item in items):
        return [_scalar(item[1:]) for item in items]
    nested: dict[str, Any] = {}
    for item in items:
        key, _sep, rest = item.partition(":")
        nested[key.strip()] = _scalar(rest)
    return nested


def _yaml(lines: list[str], first_line: int, problems: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    index = 0
    while index < len(lines):
        raw = lines[index]
        index += 1
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        match = _KEY_LINE.match(raw.rstrip())
        if raw[:1].isspace() or match is None:
            number = first_line + index - 1
            problems.append(
                _("line %(line)d of the front matter is not 'name: value'", line=number)
            )
            continue
        key, value = match.group(1).strip().lower(), match.group(2) or ""
        following: list[str] = []
        while index < len(lines) and (lines[index][:1].isspace() or not lines[index].strip()):
            following.append(lines[index])
            index += 1
        if key in fields:
            problems.append(_("the field '%(key)s' is given twice", key=key))
        if following and (not value.strip() or value.strip()[:1] in {"|", ">"}):
            fields[key] = _block(value, following)
        else:
            fields[key] = _scalar(value) if value.strip() else ""
    return fields


def _closing(lines: list[str], fence: str) -> int | None:
    return next(
        (number for number, line in enumerate(lines[1:], start=1) if line.strip() == fence), None
    )


def _structured(text: str, parsed: Parsed) -> bool:
    """TOML (`+++`) and JSON (`{`) front matter, as Hugo writes them."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "+++":
        end = _closing(lines, "+++")
        if end is None:
            parsed.problems.append(_("the front matter is not closed with a line '+++'"))
            return True
        try:
            parsed.fields = {
                k.lower(): v for k, v in tomllib.loads("\n".join(lines[1:end])).items()
            }
        except tomllib.TOMLDecodeError as error:
            parsed.problems.append(_("the TOML front matter is broken: %(error)s", error=error))
        parsed.body, parsed.has_front_matter = "\n".join(lines[end + 1 :]), True
        return True
    if text.startswith("{"):
        try:
            values, end_at = json.JSONDecoder().raw_decode(text)
        except ValueError:
            return False  # a body that merely starts with "{"
        if isinstance(values, dict):
            parsed.fields = {str(k).lower(): v for k, v in values.items()}
            parsed.body, parsed.has_front_matter = text[end_at:], True
            return True
    return False


def parse_front_matter(text: str) -> Parsed:
    """Split a file into front matter and body; a file without front matter is all body."""
    parsed = Parsed(body=text)
    if _structured(text, parsed):
        return parsed
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return parsed
    end = _closing(lines, "---")
    if end is None:
        parsed.problems.append(_("the front matter is not closed with a line of three dashes"))
        return parsed
    parsed.fields = _yaml(lines[1:end], 2, parsed.problems)
    parsed.body, parsed.has_front_matter = "\n".join(lines[end + 1 :]), True
    return parsed
