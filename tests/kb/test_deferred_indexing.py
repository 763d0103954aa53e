"""Batch writers hold the index's changes until their batch ends, then write them once."""

from __future__ import annotations

from sqlalchemy import text

from community.extensions import db
from kb.search import SearchDocument, deferred, index_after_commit, search


def document(key: str, title: str) -> SearchDocument:
    return SearchDocument(kind="article", key=key, title=title, text=title, url=f"/kb/{key}")


def titles(query: str) -> set[str]:
    return {hit.title for hit in search(query).hits}


def test_changes_inside_a_deferred_block_land_together_at_its_end(app):
    """Committed rows inside the block are searchable only once the block ends."""
    with app.app_context():
        with deferred():
            for key, title in (("a", "Kettle descaling"), ("b", "Kettle warranty")):
                index_after_commit(document(key, title))
                db.session.commit()
            assert titles("kettle") == set()
        assert titles("kettle") == {"Kettle descaling", "Kettle warranty"}


def test_a_rolled_back_change_inside_the_block_is_never_written(app):
    """Only committed transactions reach the index, deferred or not."""
    with app.app_context():
        with deferred():
            db.session.execute(text("SELECT 1"))  # a transaction that will not commit
            index_after_commit(document("c", "Toaster recall"))
            db.session.rollback()
            index_after_commit(document("d", "Toaster manual"))
            db.session.commit()
        assert titles("toaster") == {"Toaster manual"}
