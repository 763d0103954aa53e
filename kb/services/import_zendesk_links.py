"""Links in Zendesk articles: to other articles, to their attachments, to the old site.

A link to an article of the import (`/hc/en-us/articles/123-Title#h_01`, relative or on the
help centre's host) becomes that article's address, in the link's locale when the export has
that translation; its anchor gets the prefix Portico gives heading ids. An image or video
stored by Zendesk (`/hc/article_attachments/456/shot.png`) becomes an attachment when its
file is in `attachments/`. Other addresses of the old help centre that cannot be resolved are
reported; links to other sites are left alone.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from community.errors import InvalidInput
from community.markdown import HEADING_ID_PREFIX
from community.uploads import check_type, clean_filename
from kb.services.import_html import rewrite_tags, rewrite_videos, split_address
from kb.services.import_links import Rewritten

if TYPE_CHECKING:
    from kb.services.import_zendesk import Export

_ARTICLE = re.compile(r"^/hc/(?:([a-z]{2,3}(?:-[a-z0-9]{2,8})*)/)?articles/(\d{1,19})(?:[-/].*)?$")
_ATTACHMENT = re.compile(r"^/hc/(?:[a-z]{2,3}(?:-[a-z0-9]{2,8})*/)?article_attachments/(\d{1,19})")
ATTACHMENTS = "attachments"


class ZendeskLinks:
    """Resolves the links of one article against the export and the articles imported."""

    def __init__(self, export: Export, slugs: dict[str, str], url: Callable[[str], str]) -> None:
        self.export = export
        self.slugs = slugs  # document path ("zendesk:123", "zendesk:123/zh-cn") -> slug
        self.url = url

    def rewrite(self, source: str, body: str, file_url: Callable[[str], str]) -> Rewritten:
        """`body` with every address it can resolve rewritten; `file_url(name)` addresses
        an attachment of this article."""
        result = Rewritten(body="")
        number, _slash, locale = source.removeprefix("zendesk:").partition("/")
        own = self.export.attachments.get(int(number), []) if number.isdecimal() else []

        def resolve(tag: str, attribute: str, address: str) -> str | None:
            return self._address(address, locale, own, result, file_url)

        result.body = rewrite_tags(rewrite_videos(body, resolve, result.warnings), resolve)
        for item in own:  # the files listed under the article, not shown in its body
            if not item.get("inline"):
                self._attach(item, result, file_url, report=True)
        return result

    def _address(
        self,
        address: str,
        locale: str,
        own: list[dict[str, Any]],
        result: Rewritten,
        file_url: Callable[[str], str],
    ) -> str | None:
        parts = split_address(address)
        host = parts.netloc.lower()
        if parts.scheme not in {"", "http", "https"} or (host and host not in self.export.hosts):
            return None
        path = unquote(parts.path).lower()
        if article := _ARTICLE.match(path):
            found = self._article(article.group(2), article.group(1) or locale)
            if found is not None:
                return found + _anchor(parts.fragment)
        elif attachment := _ATTACHMENT.match(path):
            item = self._attachment(int(attachment.group(1)), own)
            if item is not None and _attachable(item):
                url = self._attach(item, result, file_url, report=False)
                if url is not None:
                    return url
        elif not path.startswith("/hc/"):
            return None
        result.unresolved.append(address)
        return None

    def _article(self, number: str, locale: str) -> str | None:
        for path in (f"zendesk:{number}/{locale}", f"zendesk:{number}"):
            if path in self.slugs:
                return self.url(self.slugs[path])
        return None

    def _attachment(self, number: int, own: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The attachment with this id: the article's own first, then any article's."""
        everyone = (item for items in self.export.attachments.values() for item in items)
        for item in [*own, *everyone]:
            if str(item.get("id")) == str(number):
                return item
        return None

    def _attach(
        self, item: dict[str, Any], result: Rewritten, file_url: Callable, *, report: bool
    ) -> str | None:
        """The attachment's address in Portico, once its file is found in `attachments/`."""
        local = self._local_file(item)
        if local is None:
            if report:
                result.unresolved.append(str(item.get("content_url") or item.get("file_name")))
            return None
        taken = set(result.files.values())
        name = result.files.get(local) or _unique(clean_filename(posixpath.basename(local)), taken)
        result.files[local] = name
        return file_url(name)

    def _local_file(self, item: dict[str, Any]) -> str | None:
        name = clean_filename(str(item.get("file_name") or ""))
        number = str(item.get("id"))
        candidates = [f"{ATTACHMENTS}/{number}/{name}"] if number.isdecimal() else []
        for candidate in [*candidates, f"{ATTACHMENTS}/{name}"]:
            if (self.export.root / candidate).is_file():
                return candidate
        return None


def _anchor(fragment: str) -> str:
    if not fragment:
        return ""
    prefix = "" if fragment.startswith(HEADING_ID_PREFIX) else HEADING_ID_PREFIX
    return f"#{prefix}{fragment}"


def _attachable(item: dict[str, Any]) -> bool:
    try:
        check_type(str(item.get("file_name") or ""))
    except InvalidInput:
        return False
    return True


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{number}-{name}"
    return candidate
