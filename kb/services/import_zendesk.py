"""A Zendesk Guide export, read as documents: the JSON its Help Center API returns.

PATH is a folder of `.json` files (`categories.json`, `sections.json`, `articles.json`,
optionally `article_attachments.json`; pages of one list in several files are merged) or one
`.json` file holding those lists. Nothing is downloaded: an attachment's file is looked up
as `attachments/<attachment id>/<file_name>`, then `attachments/<file_name>`, beside them.

Each article is one document, identified by its Zendesk id (`zendesk:123`; a translation in
another locale than the article's source locale is `zendesk:123/zh-cn`). Its section names
its category ("Category / Section"), its labels are its tags, `draft` its status; an article
restricted to a user segment comes in as a draft, since Portico would show it to everyone.
Its HTML body keeps its HTML (the sanitiser decides what reaches a page); top-level headings
become Markdown headings so that they join the contents list. Its `html_url` and
`hc/<locale>/articles/<id>` become old addresses that answer 301.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import nh3
from flask_babel import gettext as _

from community.errors import InvalidInput
from community.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES
from kb.models import ArticleStatus
from kb.services.articles import MAX_TITLE
from kb.services.import_documents import (
    MAX_FILE_BYTES,
    Document,
    ImportOptions,
    Source,
    import_language,
    import_tags,
    parse_when,
)
from kb.services.import_html import markdown_headings, split_address
from kb.services.import_zendesk_links import ZendeskLinks
from kb.services.indexing import article_url

LISTS = ("categories", "sections", "articles", "article_attachments")
MAPPED = {
    "id", "title", "name", "body", "section_id", "label_names", "draft", "locale", "source_locale",
    "html_url", "position", "created_at", "updated_at", "edited_at", "user_segment_id",
    "article_attachments",
}  # fmt: skip
_PLACEHOLDER = re.compile(r"\{\{\s*dc\.[\w.]+\s*\}\}")


@dataclass
class Export:
    """The lists of an export, by id."""

    root: Path
    categories: dict[int, dict[str, Any]] = field(default_factory=dict)
    sections: dict[int, dict[str, Any]] = field(default_factory=dict)
    articles: list[Any] = field(default_factory=list)
    attachments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    hosts: set[str] = field(default_factory=set)


def is_zendesk_export(path: Path) -> bool:
    """A `.json` file, or a folder with `articles.json` at its top."""
    if path.is_file():
        return path.suffix.lower() == ".json"
    return (path / "articles.json").is_file()


def _number(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) < 20:
        return int(value)
    return None


def _read_lists(path: Path) -> dict[str, list[Any]]:
    files = [path] if path.is_file() else sorted(path.glob("*.json"))
    lists: dict[str, list[Any]] = {name: [] for name in LISTS}
    found: set[str] = set()
    for file in files:
        try:
            data = json.loads(file.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise InvalidInput(
                _("'%(file)s' is not readable JSON: %(error)s", file=file.name, error=error)
            ) from error
        if not isinstance(data, dict):
            continue
        for name in LISTS:
            if name not in data:
                continue
            if not isinstance(data[name], list):
                raise InvalidInput(
                    _("'%(list)s' in '%(file)s' is not a list", list=name, file=file.name)
                )
            lists[name] += data[name]
            found.add(name)
    if "articles" not in found:
        raise InvalidInput(_("no 'articles' list in %(path)s", path=path.name))
    return lists


def load_export(path: Path) -> Export:
    """The export's lists; InvalidInput when a file is not JSON or there are no articles."""
    lists = _read_lists(path)
    export = Export(root=path if path.is_dir() else path.parent, articles=lists["articles"])
    for name, by_id in (("categories", export.categories), ("sections", export.sections)):
        for item in lists[name]:
            if isinstance(item, dict) and _number(item.get("id")) is not None:
                by_id[_number(item["id"])] = item
    attachments = list(lists["article_attachments"])
    for article in export.articles:
        if isinstance(article, dict) and isinstance(article.get("article_attachments"), list):
            own = [item for item in article["article_attachments"] if isinstance(item, dict)]
            attachments += [{**item, "article_id": article.get("id")} for item in own]
        if isinstance(article, dict) and isinstance(article.get("html_url"), str):
            export.hosts.add(split_address(article["html_url"]).netloc.lower())
    for item in attachments:
        owner = _number(item.get("article_id")) if isinstance(item, dict) else None
        if owner is not None:
            export.attachments.setdefault(owner, []).append(item)
            export.hosts.add(split_address(str(item.get("content_url") or "")).netloc.lower())
    export.hosts.discard("")
    return export


def _category(
    article: dict[str, Any], export: Export, document: Document, default: str | None
) -> None:
    """ "Category / Section" (one name when they are the same), placed as Zendesk places it."""
    section_id = _number(article.get("section_id"))
    section = export.sections.get(section_id) if section_id is not None else None
    if section is None:
        if section_id is not None:
            document.warnings.append(
                _("section %(id)s is not in the export; the article has no category from it",
                  id=section_id)
            )  # fmt: skip
        document.category = default
        return
    name = str(section.get("name") or "").strip() or str(section_id)
    category = export.categories.get(_number(section.get("category_id")) or -1, {})
    top = str(category.get("name") or "").strip()
    document.category = f"{top} / {name}" if top and top != name else name
    position = (_number(category.get("position")) or 0) * 1000
    document.category_position = position + (_number(section.get("position")) or 0)


def _aliases(article: dict[str, Any], number: int, locale: str) -> list[str]:
    aliases = []
    if isinstance(article.get("html_url"), str):
        aliases.append(unquote(split_address(article["html_url"]).path).strip("/"))
    if locale:
        aliases.append(f"hc/{locale}/articles/{number}")
    return [alias for alias in dict.fromkeys(aliases) if alias]


def _status(article: dict[str, Any], options: ImportOptions, warnings: list[str]) -> ArticleStatus:
    if article.get("user_segment_id") not in (None, ""):
        warnings.append(_("only some users may see it in Zendesk: imported as a draft"))
        return ArticleStatus.DRAFT
    if article.get("draft") is True:
        return ArticleStatus.DRAFT
    if article.get("draft") is False:
        return ArticleStatus.PUBLISHED
    return options.status


def _body(html: str, document: Document) -> str:
    if len(html.encode()) > MAX_FILE_BYTES:
        document.problems.append(_("the body is larger than 1 MB"))
        return ""
    removed = _PLACEHOLDER.findall(html)
    if removed:
        document.warnings.append(
            _("%(count)d template tags or shortcodes removed (%(examples)s)",
              count=len(removed), examples=", ".join(sorted(set(removed))[:3])[:200])
        )  # fmt: skip
    # Parsed and written back by the sanitiser's own HTML parser, with its allowlist: tags
    # left open are closed where a browser closes them, so the headings can be found. The
    # page is still rendered through `community.markdown`, which sanitises it again.
    balanced = nh3.clean(
        _PLACEHOLDER.sub("", html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
    )
    return markdown_headings(balanced)


def _fill(
    document: Document, article: dict[str, Any], export: Export, options: ImportOptions
) -> None:
    document.title = str(article.get("title") or "").strip()
    if not document.title:
        document.problems.append(_("the article has no title"))
    elif len(document.title) > MAX_TITLE:
        document.problems.append(_("Keep the title under %(count)d characters.", count=MAX_TITLE))
    html = article.get("body")
    if not isinstance(html, str) or not html.strip():
        document.problems.append(_("the body is empty"))
    else:
        document.body = _body(html, document)
    _category(article, export, document, options.category)
    document.tags = import_tags({"tags": article.get("label_names")}, document.warnings)
    document.status = _status(article, options, document.warnings)
    position = _number(article.get("position"))
    document.position = position
    document.created = parse_when(article.get("created_at"), "created_at", document.warnings)
    modified = article.get("edited_at") or article.get("updated_at")
    document.modified = parse_when(modified, "updated_at", document.warnings)
    document.extra = {key: value for key, value in article.items() if key not in MAPPED}


def _document(article: Any, index: int, export: Export, options: ImportOptions) -> Document:
    number = _number(article.get("id")) if isinstance(article, dict) else None
    if number is None:
        document = Document(path=f"zendesk:articles[{index}]", from_file=False)
        document.problems.append(_("the entry is not an article with an id"))
        return document
    locale = str(article.get("locale") or "").strip().lower()
    source_locale = str(article.get("source_locale") or locale).strip().lower()
    suffix = f"/{locale}" if locale and locale != source_locale else ""
    document = Document(path=f"zendesk:{number}{suffix}", from_file=False)
    _fill(document, article, export, options)
    document.aliases = _aliases(article, number, locale)
    if locale:
        document.extra["locale"] = locale
        document.language = import_language(locale, "locale", document.warnings)
    own = export.attachments.get(number, [])
    signed = json.dumps([article, own, document.category], sort_keys=True, default=str)
    document.digest = hashlib.sha256((signed + repr(options)).encode()).hexdigest()
    return document


def read_zendesk(path: Path, options: ImportOptions) -> Source:
    """The export's articles as documents, and the resolver of their links."""
    export = load_export(path)
    documents: list[Document] = []
    seen: set[str] = set()
    for index, article in enumerate(export.articles):
        document = _document(article, index, export, options)
        if document.path in seen:
            document.problems.append(_("the article appears twice in the export"))
        seen.add(document.path)
        documents.append(document)
    return Source(export.root, documents, lambda slugs: ZendeskLinks(export, slugs, article_url))
