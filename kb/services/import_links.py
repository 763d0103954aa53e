"""Links between imported documents: `/x.md`, `../y/z.md#anchor`, images beside the files.

A link to another document of the import becomes that article's address, its anchor the
heading id Portico gives that heading; a relative image or file becomes one of the article's
attachments; anything else under the folder that cannot be found, and anything pointing out
of the folder (`../../etc/passwd`), is left unread and reported. Raw HTML between the
Markdown (`<img src>`, `<a href>`, `<video>`) is resolved the same way (`import_html`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from community.errors import InvalidInput
from community.markdown import heading_id
from community.uploads import check_type, clean_filename
from kb.services.import_dialects import outside_code
from kb.services.import_html import rewrite_tags, rewrite_videos

_INLINE = re.compile(
    r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]+)>?((?:\s+\"[^\"]*\")?)\s*\)"
)
_REFERENCE = re.compile(r"^(\s{0,3}\[[^\]]+\]:\s*)(\S+)(.*)$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")
DOC_SUFFIXES = (".md", ".markdown", ".mdx")


@dataclass
class Rewritten:
    body: str
    files: dict[str, str] = field(default_factory=dict)  # folder path -> name in the article
    unresolved: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _anchor(fragment: str) -> str:
    return "#" + heading_id(fragment) if fragment else ""


def _candidates(path: str) -> list[str]:
    path = path.rstrip("/")
    stem = path[: -len(".html")] if path.endswith(".html") else path
    found = [path, stem] + [stem + suffix for suffix in DOC_SUFFIXES]
    found += [posixpath.join(stem, name) for name in ("index.md", "_index.md", "README.md")]
    return [item for item in found if item]


class LinkResolver:
    """Resolves the links of one file against the documents and files of the import."""

    def __init__(self, root: Path, documents: dict[str, str], url: Callable[[str], str]) -> None:
        self.root = root
        self.documents = documents  # folder path of each document -> its article's slug
        self.url = url

    def rewrite(self, source: str, body: str, file_url: Callable[[str], str]) -> Rewritten:
        """`body` with every link it can resolve rewritten; `file_url(name)` addresses files."""
        result = Rewritten(body="")
        folder = posixpath.dirname(source)
        lines = body.splitlines()
        out: list[str] = []
        prose: list[str] = []  # lines outside fenced code since the last code block
        for index, outside in [*outside_code(lines), (len(lines), False)]:
            if outside:
                prose.append(lines[index])
                continue
            if prose:
                out += self._prose("\n".join(prose), folder, result, file_url).split("\n")
                prose = []
            if index < len(lines):
                out.append(lines[index])
        result.body = "\n".join(out)
        return result

    def _prose(self, text: str, folder: str, result: Rewritten, file_url: Callable) -> str:
        def resolve(tag: str, attribute: str, address: str) -> str | None:
            if tag == "video":
                return self._video(address, folder, result, file_url)
            image = "!" if tag == "img" else ""
            return self._target(address, folder, result, file_url, image)

        text = rewrite_tags(rewrite_videos(text, resolve, result.warnings), resolve)
        return "\n".join(self._line(line, folder, result, file_url) for line in text.split("\n"))

    def _video(
        self, address: str, folder: str, result: Rewritten, file_url: Callable
    ) -> str | None:
        """A video file beside the documents, when an upload of its type would be accepted."""
        if _SCHEME.match(address):
            return None
        try:
            check_type(posixpath.basename(address.partition("?")[0].partition("#")[0]))
        except InvalidInput:
            return None
        found = self._target(address, folder, result, file_url, "!")
        return found if found != address else None

    def _line(self, line: str, folder: str, result: Rewritten, file_url: Callable) -> str:
        def inline(match: re.Match[str]) -> str:
            target = self._target(match.group(3), folder, result, file_url, match.group(1))
            return f"{match.group(1)}[{match.group(2)}]({target}{match.group(4)})"

        line = _INLINE.sub(inline, line)
        reference = _REFERENCE.match(line)
        if reference:
            target = self._target(reference.group(2), folder, result, file_url, "")
            line = reference.group(1) + target + reference.group(3)
        return line

    def _target(
        self, target: str, folder: str, result: Rewritten, file_url: Callable, image: str
    ) -> str:
        if _SCHEME.match(target):
            return target
        path, _sep, fragment = target.partition("#")
        path = path.partition("?")[0]
        if not path:
            return _anchor(fragment) or target
        joined = posixpath.normpath(
            path.lstrip("/") if path.startswith("/") else posixpath.join(folder, path)
        )
        if joined.startswith("..") or joined.startswith("/"):
            result.unresolved.append(target)
            return target
        if not image:
            for candidate in _candidates(joined):
                if candidate in self.documents:
                    return self.url(self.documents[candidate]) + _anchor(fragment)
        file = self.root / joined
        if file.is_file() and not joined.endswith(DOC_SUFFIXES):
            name = result.files.setdefault(joined, _unique_name(joined, result.files))
            return file_url(name)
        result.unresolved.append(target)
        return target


def _unique_name(path: str, taken: dict[str, str]) -> str:
    name = clean_filename(posixpath.basename(path))
    used = set(taken.values())
    number = 1
    candidate = name
    while candidate in used:
        number += 1
        candidate = f"{number}-{name}"
    return candidate
