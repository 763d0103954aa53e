"""The knowledge base's pages, on the `kb` blueprint: `reading` for everyone (home, categories,
articles, search, feedback, downloads), `editing` for editors (write, publish, history, files,
categories, insights). Importing this package registers both."""

from __future__ import annotations

from kb.views import editing, reading

__all__ = ["editing", "reading"]
