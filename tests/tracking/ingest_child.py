"""A child process that posts one batch to the API and freezes halfway through it.

Run by test_batch_kill.py: right after the statement that starts with PAUSE_AFTER has run
(the events' INSERT, say, or the alert emails'), it writes PAUSE_MARKER and waits, holding
its open transaction, for the test to SIGKILL it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

from community.app import create_app
from tests.conftest import base_overrides


def main() -> int:
    marker = Path(os.environ["PAUSE_MARKER"])
    pause_after = os.environ["PAUSE_AFTER"].upper()

    @event.listens_for(Engine, "after_cursor_execute")
    def freeze_halfway(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(pause_after):
            marker.write_text("frozen mid-batch\n")
            time.sleep(600)

    app = create_app(
        base_overrides(os.environ["DATABASE_URL"], Path(os.environ["PORTAL_INSTANCE"]))
    )
    batch = json.loads(Path(os.environ["BATCH_FILE"]).read_text())
    response = app.test_client().post(
        "/api/v1/tracking/events",
        json=batch,
        headers={"Authorization": f"Bearer {os.environ['API_TOKEN']}"},
    )
    print(response.status_code, response.get_data(as_text=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
