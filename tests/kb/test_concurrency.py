"""Several real processes write to the index at once (and one rebuilds it meanwhile):
nobody sees a lock error, and every published article ends up searchable."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from kb.services import search
from tests.services import ROOT

pytestmark = pytest.mark.slow

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from community.accounts.models import User
    from community.app import create_app
    from community.extensions import db
    from kb.services.articles import ArticleInput, save_article
    from tests.conftest import base_overrides

    database_url, instance, editor_id, prefix, count = sys.argv[1:]
    app = create_app(base_overrides(database_url, Path(instance)))
    for number in range(int(count)):
        with app.test_request_context():
            save_article(
                None,
                ArticleInput(
                    title=f"{prefix} parallel {number}",
                    body=f"Concurrent writer {prefix} text {number}.",
                ),
                by=db.session.get(User, int(editor_id)),
                publish=True,
            )
    print("done", prefix)
    """
)
REINDEX = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from community.app import create_app
    from kb.search import rebuild
    from tests.conftest import base_overrides

    database_url, instance = sys.argv[1:]
    app = create_app(base_overrides(database_url, Path(instance)))
    time.sleep(0.5)
    with app.app_context():
        print("rebuilt", rebuild())
    """
)
PER_WRITER = 15


def test_two_processes_write_while_a_third_rebuilds(app, database_url, editor, make_article):
    """Two writers and a rebuild at the same time: no errors, all 30 articles found."""
    make_article("Existing article", "Written before the race.")
    instance = app.instance_path
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                database_url,
                instance,
                str(editor.id),
                prefix,
                str(PER_WRITER),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix in ("alpha", "beta")
    ]
    processes.append(
        subprocess.Popen(
            [sys.executable, "-c", REINDEX, database_url, instance],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    )
    outputs = [process.communicate(timeout=240) for process in processes]
    for process, (_stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr and "LockError" not in stderr and "busy" not in stderr, (
            stderr
        )
    assert [stdout.split()[0] for stdout, _stderr in outputs] == ["done", "done", "rebuilt"]
    with app.test_request_context():
        assert search("parallel", per_page=50).total == 2 * PER_WRITER
        assert search("alpha").total == PER_WRITER and search("beta").total == PER_WRITER
        assert search("existing").total == 1
