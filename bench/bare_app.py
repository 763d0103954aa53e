"""The ceiling: a bare Flask app served exactly like Portico, to compare pages against.

`/` answers "hello"; `/rows` renders a 20-row SQLite query through Jinja, the reference
point the issues quote (about 36% of "hello" on this kind of machine).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile

from flask import Flask, render_template_string

app = Flask(__name__)

_DB = os.path.join(tempfile.gettempdir(), "portico-bench-bare.db")
with sqlite3.connect(_DB) as setup:
    setup.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT)")
    if setup.execute("SELECT COUNT(*) FROM items").fetchone()[0] < 20:
        setup.executemany(
            "INSERT INTO items (name) VALUES (?)", [(f"item {n}",) for n in range(20)]
        )

ROWS = "<ul>{% for id, name in rows %}<li>{{ id }}: {{ name }}</li>{% endfor %}</ul>"


@app.get("/")
def hello() -> str:
    return "hello"


@app.get("/rows")
def rows() -> str:
    with sqlite3.connect(_DB) as connection:
        items = connection.execute("SELECT id, name FROM items LIMIT 20").fetchall()
    return render_template_string(ROWS, rows=items)
