"""content language: forum_categories, vip_announcements and kb_articles carry a language

Rows written before this revision get the language their text is in, by the rule the app
uses when a writer does not choose (`kb.languages.detect_language`, copied below: a
migration must not change when the app does).

Revision ID: 0013_content_language
Revises: 0012_support_request_timezone
Create Date: 2026-12-07 23:30:00.000000

"""

import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013_content_language"
down_revision = "0012_support_request_timezone"
branch_labels = None
depends_on = None


HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_CHARACTER = re.compile(f"[{HAN}]")
LATIN_LETTER = re.compile(f"[^\\W\\d_{HAN}]")
SAMPLE_CHARS = 3000
BATCH = 1000
# Each table with the columns its language is told from: a title, then the start of a text.
TABLES = {
    "kb_articles": ("title", "plain_text"),
    "forum_categories": ("name", "description"),
    "vip_announcements": ("title", "body"),
}


def detect_language(title, text):
    """ "zh" when Han characters make up a third of the letters, else "en"."""
    sample = f"{title or ''}\n{(text or '')[:SAMPLE_CHARS]}"
    han = len(HAN_CHARACTER.findall(sample))
    if not han:
        return "en"
    latin = len(LATIN_LETTER.findall(sample))
    return "zh" if han * 3 >= han + latin else "en"


def backfill(table_name, title_column, text_column):
    """Every row's language from its text (all start as "en"), a thousand rows at a time."""
    connection = op.get_bind()
    table = sa.table(
        table_name,
        sa.column("id", sa.Integer),
        sa.column(title_column, sa.Text),
        sa.column(text_column, sa.Text),
        sa.column("language", sa.String),
    )
    text = sa.func.substr(table.c[text_column], 1, SAMPLE_CHARS)
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, table.c[title_column], text)
            .where(table.c.id > last_id)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last_id = rows[-1][0]
        chinese = [row[0] for row in rows if detect_language(row[1], row[2]) == "zh"]
        if chinese:
            connection.execute(table.update().where(table.c.id.in_(chinese)).values(language="zh"))


def upgrade():
    # Added with a server default, as SQLite adds a NOT NULL column only with one: a table
    # rebuild would drop kb_articles and, foreign keys being on, cascade to its children.
    for table_name in TABLES:
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
            )
    for table_name, (title_column, text_column) in TABLES.items():
        backfill(table_name, title_column, text_column)
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_kb_articles_status_language_views",
            ["status", "language", "view_count"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_articles_status_language_views")
    for table_name in reversed(TABLES):
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.drop_column("language")
