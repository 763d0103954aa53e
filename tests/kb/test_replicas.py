"""Every instance folder's index is a replica of the search change log in the database.

Two apps on one database stand for two machines: each has its own instance folder, so its
own index, and learns of the other's changes only through the log.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, select, text, update

from community.accounts.models import User
from community.config import normalise_database_url
from community.db import utcnow
from community.extensions import db
from kb.models import Article, ArticleStatus
from kb.search import engine, index_after_commit, search
from kb.search.changelog import SearchChange, prune
from kb.search.replica import Position, catch_up, position_path, read_position
from kb.search.store import Change
from kb.services.articles import ArticleInput, save_article, unpublish_article
from kb.services.indexing import article_document
from kb.settings import SETTINGS
from tests.conftest import PASSWORD, TEST_SECRET
from tests.services import ROOT, gunicorn, wait_for


@pytest.fixture
def other(make_app, tmp_path):
    """A second machine: the same database, its own instance folder and index."""
    second = make_app(INSTANCE_PATH=str(tmp_path / "other"))
    with second.app_context():
        engine(second).ensure_started()
    return second


def titles(app, query: str) -> list[str]:
    with app.app_context():
        return [hit.title for hit in search(query).hits]


def follow(app) -> int:
    with app.app_context():
        return catch_up(engine(app))


def position_of(app) -> Position:
    store = engine(app).store
    return read_position(store, store.current_name())


def newest_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(SearchChange.id).order_by(SearchChange.id.desc()))


def log_rows(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(SearchChange.kind, SearchChange.key, SearchChange.action)
            .where(SearchChange.action != "mark")
            .order_by(SearchChange.id)
        ).all()
        return [tuple(row) for row in rows]


def test_publishing_and_unpublishing_write_the_log(app, make_article, editor):
    """Each change to a searchable article leaves one log row, committed with it."""
    record = make_article("Refund policy", "Refunds take five days.")
    with app.test_request_context():
        unpublish_article(db.session.get(Article, record.id), by=db.session.get(User, editor.id))
    key = str(record.id)
    assert log_rows(app) == [("article", key, "index"), ("article", key, "remove")]


def test_a_rolled_back_change_leaves_no_log_row(app, make_article):
    """A change that never commits never reaches the log (nor any index)."""
    record = make_article("Warranty terms", "Two years.")
    before = log_rows(app)
    with app.test_request_context():
        article = db.session.get(Article, record.id)
        article.title = "Warranty terms, changed"
        index_after_commit(article_document(article))
        db.session.rollback()
    assert log_rows(app) == before


def test_another_replica_finds_a_published_article_and_loses_it_when_unpublished(
    app, other, make_article, editor
):
    """A change made through one app reaches the other's index through the log alone."""
    record = make_article("Shipping to Norway", "Parcels to Norway take four days.")
    assert titles(other, "norway") == []
    assert follow(other) == 1
    assert titles(other, "norway") == ["Shipping to Norway"]
    with app.test_request_context():
        unpublish_article(db.session.get(Article, record.id), by=db.session.get(User, editor.id))
    follow(other)
    assert titles(other, "norway") == [] and titles(app, "norway") == []
    assert position_of(other).applied == newest_id(app)


def test_a_stale_inline_write_never_overwrites_what_the_log_applied(app, other, make_article):
    """An inline write that arrives after the replica applied a newer change is skipped."""
    record = make_article("Gift cards", "Gift cards never expire.")
    with app.test_request_context():
        article = db.session.get(Article, record.id)
        stale = Change(uid=f"article:{record.id}", doc=article_document(article))
        stale_id = db.session.scalar(select(SearchChange.id).order_by(SearchChange.id.desc()))
        save_article(
            article, ArticleInput(title="Gift vouchers", body="Vouchers never expire."), by=None,
            check_editor=False,
        )  # fmt: skip
    follow(other)
    engine(other).apply([Change(uid=stale.uid, doc=stale.doc, log_id=stale_id)])
    assert titles(other, "cards") == [] and titles(other, "vouchers") == ["Gift vouchers"]


def test_a_corrupted_position_file_makes_the_replica_rebuild(app, other, make_article):
    """An unreadable position is never guessed: the replica rebuilds from the database."""
    make_article("Store opening hours", "Open nine to five.")
    store = engine(other).store
    position_path(store, store.current_name()).write_text("{not json", encoding="utf-8")
    follow(other)
    assert titles(other, "hours") == ["Store opening hours"]
    assert position_of(other).applied == newest_id(app)


@pytest.mark.parametrize("garbage", ["", "[]", '{"applied": -4, "holes": {}}', "\x00\xff"])
def test_any_damaged_position_is_refused(other, garbage):
    """Empty, wrongly shaped, negative or binary positions all count as unreadable."""
    store = engine(other).store
    path = position_path(store, store.current_name())
    path.write_bytes(garbage.encode("utf-8", "surrogateescape"))
    with other.app_context():
        assert not engine(other).usable()
        follow(other)
        assert engine(other).usable()


def test_log_rows_for_deleted_or_unknown_documents_are_applied_as_removals(
    app, other, make_article
):
    """A row whose document is gone (or never was) removes it, and the replica goes on."""
    record = make_article("Lost parcels", "Tell us within 30 days.")
    follow(other)
    with app.app_context():
        # The article leaves the database without its services (as an operator's SQL would).
        db.session.execute(
            update(Article).where(Article.id == record.id).values(status=ArticleStatus.DRAFT)
        )
        for kind, key, document in [
            ("article", str(record.id), None),
            ("article", "987654321", None),
            ("article", "not-a-number", None),
            ("topic", "55", '{"uid": "topic:55", "doc": {"broken": true}}'),
            ("no-such-kind", "1", None),
        ]:
            db.session.add(SearchChange(kind=kind, key=key, action="index", document=document))
        db.session.commit()
        newest = db.session.scalar(select(SearchChange.id).order_by(SearchChange.id.desc()))
    follow(other)
    assert titles(other, "parcels") == []
    assert position_of(other).applied == newest


def test_a_replica_stopped_past_the_retention_rebuilds_on_start(
    app, make_app, tmp_path, make_article
):
    """Rows it never read were pruned: on start it rebuilds instead of missing them."""
    make_article("Returns by post", "Print the label.")
    stopped = make_app(INSTANCE_PATH=str(tmp_path / "stopped"))
    with stopped.app_context():
        engine(stopped).ensure_started()
    applied = position_of(stopped).applied
    make_article("Returns in store", "Bring the receipt.")
    with app.app_context():
        db.session.execute(update(SearchChange).values(created_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    make_article("Returns abroad", "Use the local carrier.")
    with app.app_context():
        assert prune(7) >= 1
        oldest = db.session.scalar(select(SearchChange.id).order_by(SearchChange.id))
    assert oldest > applied + 1
    restarted = make_app(INSTANCE_PATH=str(tmp_path / "stopped"))
    with restarted.app_context():
        engine(restarted).ensure_started()
    assert sorted(titles(restarted, "returns")) == [
        "Returns abroad", "Returns by post", "Returns in store"
    ]  # fmt: skip
    assert position_of(restarted).applied >= oldest


def test_pruning_keeps_the_newest_row(app, make_article):
    """However old, the newest row stays: it is how a replica knows it fell behind."""
    record = make_article("Track a parcel", "Enter the number.")
    with app.app_context():
        db.session.execute(update(SearchChange).values(created_at=utcnow() - timedelta(days=30)))
        db.session.commit()
        prune(7)
        assert db.session.scalars(select(SearchChange.key)).all() == [str(record.id)]


def test_health_shows_the_replica_lag(app, other, make_article):
    """/healthz says how many changes, and how many seconds, the index is behind."""
    make_article("Exchange a size", "Any store.")
    lag = other.test_client().get("/healthz").get_json()["kb"]["lag"]
    assert lag["changes"] == 1 and lag["seconds"] >= 0 and lag["ok"]
    follow(other)
    lag = other.test_client().get("/healthz").get_json()["kb"]["lag"]
    assert lag["changes"] == 0 and lag["seconds"] == 0
    assert lag["position"] == position_of(other).applied


def test_a_replica_far_behind_is_degraded(app, other, make_article):
    """A follower stuck for minutes shows up in /healthz as degraded, with the reason."""
    make_article("Price match", "Within 14 days.")
    with app.app_context():
        db.session.execute(update(SearchChange).values(created_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    report = other.test_client().get("/healthz").get_json()
    assert report["kb"]["ok"] is False and "behind the database" in report["kb"]["error"]


@pytest.mark.parametrize("raw", ["0", "-3", "seven"])
def test_log_days_must_be_a_positive_whole_number(raw):
    """KB_SEARCH_LOG_DAYS below one, or not a number, stops the start with its name."""
    setting = next(s for s in SETTINGS if s.name == "KB_SEARCH_LOG_DAYS")
    with pytest.raises(RuntimeError, match="KB_SEARCH_LOG_DAYS"):
        setting.read({"KB_SEARCH_LOG_DAYS": raw})


def test_positions_wait_for_holes_then_give_them_up():
    """An id read past (its transaction not yet committed) is awaited, then abandoned."""
    position = Position(10).advance([11, 13, 14], now=1000.0)
    assert position.applied == 14 and set(position.holes) == {12}
    assert Position.from_text(position.to_text()) == position
    assert position.advance([12], now=1001.0).holes == {}
    assert position.advance([], now=1000.0 + 301).holes == {}


def test_a_late_commit_below_the_position_is_still_applied(app, other, database_url, make_article):
    """A transaction that took its log id first but committed last is not skipped."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite writers take turns: a later id never commits first")
    make_article("Opening", "x")
    follow(other)
    late = create_engine(normalise_database_url(database_url))
    with late.connect() as connection:
        connection.execute(
            text(
                "INSERT INTO kb_search_changes (kind, key, action, document, created_at) "
                "VALUES ('topic', '77', 'index', :doc, now())"
            ),
            {"doc": '{"uid": "topic:77", "doc": {"kind": "topic", "key": "77", '
             '"title": "Slow committer", "text": "late", "url": "/t/77", "category": null, '
             '"tags": [], "updated_at": null}}'},
        )  # fmt: skip
        make_article("Quick committer", "y")
        follow(other)
        assert titles(other, "quick") == ["Quick committer"]
        assert position_of(other).holes
        connection.commit()
    late.dispose()
    follow(other)
    with other.app_context():
        assert [hit.title for hit in search("slow", kinds=["topic"]).hits] == ["Slow committer"]
    assert position_of(other).holes == {}


# Real processes -------------------------------------------------------------------------------
def _server_env(database_url: str, instance: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "PORTAL_INSTANCE": str(instance),
        "SECRET_KEY": TEST_SECRET,
        "RATE_LIMIT_LOGIN": "1000 per minute",
        "OUTBOX_DELIVERY": "worker",
        "REDIS_URL": "",
    }


def _editor_session(url: str, email: str) -> requests.Session:
    http = requests.Session()
    page = http.get(url + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = http.post(
        url + "/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    http.headers["X-CSRF-Token"] = token
    return http


def _csrf(http: requests.Session, url: str) -> str:
    page = http.get(url, timeout=10).text
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _found(url: str, query: str) -> list[str]:
    response = requests.get(url + "/api/v1/search", params={"q": query}, timeout=10)
    return [hit["title"] for hit in response.json()]


def _within(seconds: float, condition) -> float:
    started = time.monotonic()
    wait_for(condition, timeout=seconds, interval=0.05)
    return time.monotonic() - started


@pytest.mark.slow
def test_two_servers_on_one_database_follow_each_other(database_url, editor, tmp_path):
    """Published through A, found through B within 2 s; unpublished, gone from both."""
    if not database_url.startswith("postgresql"):
        pytest.skip("two machines share PostgreSQL")
    env_a = _server_env(database_url, tmp_path / "a")
    env_b = _server_env(database_url, tmp_path / "b")
    with gunicorn(env_a) as (url_a, _a), gunicorn(env_b) as (url_b, _b):
        http = _editor_session(url_a, editor.email)
        token = _csrf(http, url_a + "/kb/new")
        title = f"Customs forms {uuid.uuid4().hex[:6]}"
        response = http.post(
            url_a + "/kb/new",
            data={"csrf_token": token, "title": title, "body": "Fill in the customs form.",
                  "category_id": "0", "tags": "", "note": "", "publish": "Save and publish"},
            allow_redirects=False, timeout=10,
        )  # fmt: skip
        assert response.status_code == 302, response.text[:500]
        slug = re.search(r"/kb/articles/([^/?]+)", response.headers["Location"]).group(1)
        # The writer's own index is updated after the commit, the other machine's by the log.
        assert _within(2, lambda: _found(url_a, "customs") == [title]) < 2
        assert _within(2, lambda: _found(url_b, "customs") == [title]) < 2
        token = _csrf(http, f"{url_a}/kb/articles/{slug}/edit")
        response = http.post(
            f"{url_a}/kb/articles/{slug}/unpublish", data={"csrf_token": token}, timeout=10
        )
        assert response.status_code in (200, 302)
        assert _within(2, lambda: _found(url_a, "customs") == []) < 2
        assert _within(2, lambda: _found(url_b, "customs") == []) < 2
        lag = requests.get(url_b + "/healthz", timeout=10).json()["kb"]["lag"]
        assert lag["changes"] == 0


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from community.app import create_app
    from community.extensions import db
    from community.accounts.models import User
    from kb.services.articles import ArticleInput, save_article
    from tests.conftest import base_overrides

    @event.listens_for(Session, "after_commit", insert=True)
    def die(session):
        if "kb_search_changes" in session.info:  # the article's commit, before any index write
            os.kill(os.getpid(), signal.SIGKILL)

    overrides = base_overrides(os.environ["DATABASE_URL"], Path(os.environ["PORTAL_INSTANCE"]))
    app = create_app(overrides)
    with app.test_request_context():
        editor = db.session.get(User, int(sys.argv[1]))
        save_article(None, ArticleInput(title="Killed mid-write", body="Lost nothing."),
                     by=editor, publish=True)
    """
)


@pytest.mark.slow
def test_a_process_killed_after_commit_loses_nothing(app, database_url, editor, tmp_path):
    """Killed between the commit and the index write: after a restart, it is searchable."""
    if not database_url.startswith("postgresql"):
        pytest.skip("served by gunicorn on PostgreSQL")
    instance = tmp_path / "killed"
    env = _server_env(database_url, instance)
    with gunicorn(env) as (url, _process):
        assert _found(url, "killed") == []
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(editor.id)],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    with app.app_context():
        assert db.session.scalar(select(Article.title).where(Article.title == "Killed mid-write"))
    with gunicorn(env) as (url, _process):
        _within(5, lambda: _found(url, "killed") == ["Killed mid-write"])
