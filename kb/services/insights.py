"""What editors learn from readers: what they search, what they do not find, what fails them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from community.db import utcnow
from community.extensions import db
from kb.models import Article, Feedback, SearchStat
from kb.policy import require_editor
from kb.services import counters

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class QueryCount:
    query: str
    searches: int
    zero_results: int


@dataclass(frozen=True)
class UnhelpfulArticle:
    article: Article
    helpful: int
    unhelpful: int


@dataclass(frozen=True)
class Day:
    day: date
    searches: int
    zero_results: int
    helpful: int
    unhelpful: int


@dataclass(frozen=True)
class Insights:
    days: int
    total_searches: int
    total_zero_results: int
    top_searches: list[QueryCount]
    zero_result_searches: list[QueryCount]
    unhelpful_articles: list[UnhelpfulArticle]
    recent_comments: list[Feedback]
    chart: list[Day]

    @property
    def chart_max(self) -> int:
        return max([1, *(day.searches for day in self.chart)])

    @property
    def feedback_max(self) -> int:
        return max([1, *(day.helpful + day.unhelpful for day in self.chart)])


@dataclass(frozen=True)
class _SearchRows:
    top: list[QueryCount]
    zero: list[QueryCount]
    per_day: dict[date, tuple[int, int]]


@dataclass(frozen=True)
class _FeedbackRows:
    unhelpful: list[UnhelpfulArticle]
    per_day: dict[date, list[int]]
    comments: list[Feedback]


def _query_counts(rows: Any) -> list[QueryCount]:
    return [QueryCount(query, int(total), int(nothing)) for query, total, nothing in rows]


def _searches(since: date, limit: int) -> _SearchRows:
    """The most searched queries, those that found nothing, and the searches of each day."""
    searches = func.sum(SearchStat.searches).label("searches")
    zero = func.sum(SearchStat.zero_results).label("zero")
    top = db.session.execute(
        select(SearchStat.query, searches, zero)
        .where(SearchStat.day >= since)
        .group_by(SearchStat.query)
        .order_by(searches.desc(), SearchStat.query)
        .limit(limit)
    ).all()
    zero_rows = db.session.execute(
        select(SearchStat.query, searches, zero)
        .where(SearchStat.day >= since, SearchStat.zero_results > 0)
        .group_by(SearchStat.query)
        .order_by(zero.desc(), SearchStat.query)
        .limit(limit)
    ).all()
    per_day = {
        day: (int(total or 0), int(nothing or 0))
        for day, total, nothing in db.session.execute(
            select(SearchStat.day, searches, zero)
            .where(SearchStat.day >= since)
            .group_by(SearchStat.day)
        )
    }
    return _SearchRows(_query_counts(top), _query_counts(zero_rows), per_day)


def _unhelpful_articles(since_time: datetime, limit: int) -> list[UnhelpfulArticle]:
    """Articles readers called unhelpful, most "no" answers first."""
    yes = func.sum(case((Feedback.helpful.is_(True), 1), else_=0)).label("yes")
    no = func.sum(case((Feedback.helpful.is_(False), 1), else_=0)).label("no")
    rows = db.session.execute(
        select(Feedback.article_id, yes, no)
        .where(Feedback.created_at >= since_time)
        .group_by(Feedback.article_id)
        .having(no > 0)
        .order_by(no.desc(), Feedback.article_id)
        .limit(limit)
    ).all()
    articles = {
        article.id: article
        for article in db.session.scalars(
            select(Article).where(Article.id.in_([row[0] for row in rows]))
        )
    }
    return [
        UnhelpfulArticle(articles[article_id], int(helpful), int(unhelpful))
        for article_id, helpful, unhelpful in rows
        if article_id in articles
    ]


def _feedback(since_time: datetime, limit: int) -> _FeedbackRows:
    """Unhelpful articles, the answers of each day, and the latest comments."""
    unhelpful = _unhelpful_articles(since_time, limit)
    per_day: dict[date, list[int]] = {}
    for created_at, helpful in db.session.execute(
        select(Feedback.created_at, Feedback.helpful).where(Feedback.created_at >= since_time)
    ):
        bucket = per_day.setdefault(created_at.date(), [0, 0])
        bucket[0 if helpful else 1] += 1
    comments = list(
        db.session.scalars(
            select(Feedback)
            .where(Feedback.comment.is_not(None), Feedback.created_at >= since_time)
            .order_by(Feedback.created_at.desc(), Feedback.id.desc())
            .limit(limit)
        )
    )
    return _FeedbackRows(unhelpful, per_day, comments)


def _chart(since: date, days: int, searches: _SearchRows, feedback: _FeedbackRows) -> list[Day]:
    chart = []
    for offset in range(days):
        day = since + timedelta(days=offset)
        total, nothing = searches.per_day.get(day, (0, 0))
        helpful, unhelpful = feedback.per_day.get(day, [0, 0])
        chart.append(Day(day, total, nothing, helpful, unhelpful))
    return chart


def insights(user: Any, *, days: int = DEFAULT_DAYS, limit: int = 15) -> Insights:
    """The last `days` days of searches and feedback, for editors only."""
    require_editor(user)
    counters.flush()
    since = utcnow().date() - timedelta(days=days - 1)
    searches = _searches(since, limit)
    feedback = _feedback(utcnow() - timedelta(days=days), limit)
    chart = _chart(since, days, searches, feedback)
    return Insights(
        days=days,
        total_searches=sum(day.searches for day in chart),
        total_zero_results=sum(day.zero_results for day in chart),
        top_searches=searches.top,
        zero_result_searches=searches.zero,
        unhelpful_articles=feedback.unhelpful,
        recent_comments=feedback.comments,
        chart=chart,
    )
