"""The knowledge base's services: what views, the CLI and other features call.

Other features use this module only:

- search: `search`, `suggest` (the reader's language first, `kb.services.searching`),
  `SearchDocument`, `index_after_commit`, `remove_after_commit`, `register_source`,
  `rebuild`, `deferred` (one index write for a batch of commits; see `kb.search`);
- articles: `articles_tagged(tag)` for help links (tracking), `article_url(slug)`.

Beside it, `kb.languages` (rules only, no queries) is what the forum's categories and the
VIP club's announcements share with articles: the languages content is written in, how one
is told from a text, and the reader's first.

Writes live in the submodules (`articles`, `attachments`, `categories`, `feedback`,
`importer`, `revisions`), each owning its transaction.
"""

from __future__ import annotations

from kb.search import (
    FallbackRow,
    Hit,
    SearchDocument,
    SearchPage,
    SearchSource,
    deferred,
    index_after_commit,
    rebuild,
    register_source,
    remove_after_commit,
)
from kb.services.catalog import ArticleLink, articles_tagged
from kb.services.indexing import article_url
from kb.services.searching import search, suggest

__all__ = [
    "ArticleLink",
    "FallbackRow",
    "Hit",
    "SearchDocument",
    "SearchPage",
    "SearchSource",
    "article_url",
    "articles_tagged",
    "deferred",
    "index_after_commit",
    "rebuild",
    "register_source",
    "remove_after_commit",
    "search",
    "suggest",
]
