"""`flask --app wsgi forum recount`: recompute the stored counters from the rows."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from community.extensions import db
from forum.models import ForumCategory, Topic
from forum.services import counters

forum_cli = AppGroup("forum", help="Community forum: maintenance.")

BATCH = 500


@forum_cli.command("recount")
def recount_command() -> None:
    """Recount every topic's posts and every category's topics, posts and latest activity.

    The services keep these right; run this after changing rows by hand or restoring a
    partial backup.
    """
    topic_ids = list(db.session.scalars(select(Topic.id).order_by(Topic.id)))
    with click.progressbar(length=len(topic_ids), label="topics", file=sys.stderr) as bar:
        for start in range(0, len(topic_ids), BATCH):
            batch = topic_ids[start : start + BATCH]
            for topic in db.session.scalars(select(Topic).where(Topic.id.in_(batch))):
                counters.refresh_topic(topic)
            db.session.commit()
            bar.update(len(batch))
    category_ids = list(db.session.scalars(select(ForumCategory.id)))
    for category_id in category_ids:
        counters.refresh_category(category_id)
    db.session.commit()
    click.echo(f"recounted {len(topic_ids)} topics in {len(category_ids)} categories")
