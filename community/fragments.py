"""Pieces of a personal page rendered once and reused: a post as a kind of reader sees it.

A signed-in page cannot come from the page cache, but most of it is the same for many
readers: a post looks the same to every customer who has not voted for it. Each fragment is
kept under a key made of *everything its rendering reads* (the row's changing columns, the
reader's permissions on it, the language), so a change can never be served stale: it
simply makes a new key, and the old entry ages out. Nothing is invalidated by hand.

What truly differs per reader and would split the cache without reason (the CSRF token, the
topic version a vote count was read at) is rendered as a placeholder and put in when the page
is assembled. A placeholder holds a NUL byte, which no stored text can contain (input with
NUL bytes is refused), so a post cannot forge one.

Fragments live in this process's memory, bounded in count and age: they are cheap to make
again, and a process never needs another's. The age bound also keeps relative times ("3
minutes ago") within a minute of true for readers without JavaScript.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TypeVar

from flask import current_app
from markupsafe import Markup

Item = TypeVar("Item")

MAX_FRAGMENTS = 20_000
MAX_AGE_SECONDS = 60.0
# Bounded in size as well as in count: a long post renders to 100 KB and more.
MAX_CHARACTERS = 32_000_000
# A piece this large is cheaper to render again than to keep: it is not kept.
MAX_PIECE_CHARACTERS = 64_000


def placeholder(name: str) -> str:
    """A marker for a per-reader value, unique to this process and impossible in content."""
    return f"\x00{name}:{secrets.token_hex(6)}\x00"


class FragmentCache:
    """A bounded, time-limited map from a fragment's key to its HTML (least recently used goes)."""

    def __init__(
        self,
        size: int = MAX_FRAGMENTS,
        max_age: float = MAX_AGE_SECONDS,
        max_characters: int = MAX_CHARACTERS,
    ) -> None:
        self.size = int(size)
        self.max_age = max_age
        self.max_characters = int(max_characters)
        self.characters = 0
        self._entries: OrderedDict[Hashable, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, now: float) -> str | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or now - entry[0] > self.max_age:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, key: Hashable, html: str, now: float) -> None:
        if len(html) > MAX_PIECE_CHARACTERS:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.characters -= len(previous[1])
            self._entries[key] = (now, html)
            self.characters += len(html)
            self._evict(now)

    def _evict(self, now: float) -> None:
        """Oldest first: past the count or the size, and any that are out of date."""
        while self._entries:
            oldest_key, (stored_at, html) = next(iter(self._entries.items()))
            over = len(self._entries) > self.size or self.characters > self.max_characters
            if not over and now - stored_at <= self.max_age:
                break
            del self._entries[oldest_key]
            self.characters -= len(html)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.characters = 0

    def render_all(
        self,
        items: Iterable[Item],
        key: Callable[[Item], Hashable],
        render: Callable[[Item], str],
    ) -> list[str]:
        """Each item's HTML, from the cache where its key is known, rendered (and kept) if not."""
        now = time.monotonic()
        pieces = []
        for item in items:
            item_key = key(item)
            html = self.get(item_key, now)
            if html is None:
                html = str(render(item))
                self.put(item_key, html, now)
            pieces.append(html)
        return pieces


def fragment_cache(name: str, **limits: float) -> FragmentCache:
    """The app's cache called `name` (made on first use with `limits`): one per app, so
    two apps in one process (tests) never share rows that happen to have the same ids."""
    caches = current_app.extensions.setdefault("portico.fragments", {})
    found = caches.get(name)
    if found is None:
        found = caches[name] = FragmentCache(**limits)  # type: ignore[arg-type]
    return found


def fill(html: str, values: Mapping[str, str]) -> Markup:
    """Put each reader's value where its placeholder stands; the result is safe HTML."""
    for marker, value in values.items():
        html = html.replace(marker, value)
    return Markup(html)  # noqa: S704 (fragments are rendered by autoescaping templates)
