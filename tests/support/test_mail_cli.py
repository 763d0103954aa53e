"""`flask support receive` (an MTA's pipe) and the command line around mail in: one line
per message, exit 0 for anything that is mail, never a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from support.cli import EX_DATAERR, EX_TEMPFAIL
from tests.conftest import TEST_SECRET
from tests.services import ROOT, free_port, wait_for
from tests.support.mail_helpers import compose, eml, inbound_rows, request_rows


def run_receive(app, raw: bytes):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["support", "receive"], input=raw)


def child_receive(database_url: str, tmp_path, raw: bytes) -> subprocess.CompletedProcess:
    """The real command in its own process, as an MTA runs it."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORTAL_INSTANCE": str(tmp_path / "child"),
        "SECRET_KEY": TEST_SECRET,
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "support", "receive"],
        cwd=ROOT,
        env=env,
        input=raw,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_receive_turns_stdin_into_a_request_and_says_so(app, desk):
    """One message on stdin: exit 0 and one line naming the new request."""
    result = run_receive(app, eml("plain.eml"))
    assert result.exit_code == 0, result.output
    [request] = request_rows(app)
    assert result.stdout.strip() == f"new request {request.number}: <plain-1@customer.test>"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (compose(headers={"Auto-Submitted": "auto-replied"}), "automatic message recorded"),
        (compose(body=""), "refused"),
        (eml("bounce.eml", number="1", in_reply_to="<x@y.test>"), "bounce recorded"),
        (compose(sender="not an address"), "refused (no sender"),
    ],
)
def test_receive_exits_zero_for_every_message_whatever_became_of_it(app, desk, raw, words):
    """Automatic replies, bounces and refusals are recorded, and the MTA is told all is well."""
    result = run_receive(app, raw)
    assert result.exit_code == 0, result.output
    assert words in result.stdout
    assert len(inbound_rows(app)) == 1


def test_receive_twice_reports_the_duplicate(app, desk):
    """The same message piped again changes nothing and still exits 0."""
    run_receive(app, eml("plain.eml"))
    result = run_receive(app, eml("plain.eml"))
    assert result.exit_code == 0
    assert result.stdout.startswith("already received")
    assert len(request_rows(app)) == 1


def test_receive_reads_an_oversized_message_to_the_end_and_keeps_nothing(app, desk):
    """Over SUPPORT_MAX_MESSAGE_BYTES: refused with its size, body never stored."""
    app.config["SUPPORT_MAX_MESSAGE_BYTES"] = 4_096
    raw = compose(body="y" * 200_000)
    result = run_receive(app, raw)
    assert result.exit_code == 0, result.output
    assert "refused (too large" in result.stdout
    [row] = inbound_rows(app)
    assert (row.size, row.raw, row.outcome) == (len(raw), None, "refused")
    assert request_rows(app) == []


@pytest.mark.parametrize("raw", [b"", bytes(range(256)) * 64, b"\x00" * 1000])
def test_receive_refuses_input_that_is_not_mail(app, desk, raw):
    """Empty input and binary garbage: a non-zero exit, a reason, nothing stored."""
    result = run_receive(app, raw)
    assert result.exit_code == EX_DATAERR
    assert "not a message" in result.stderr
    assert inbound_rows(app) == []


@pytest.mark.slow
def test_the_real_command_never_prints_a_traceback(app, desk, database_url, tmp_path):
    """In its own process: mail exits 0, garbage exits 65, and neither prints a traceback."""
    good = child_receive(database_url, tmp_path, eml("gbk.eml"))
    assert good.returncode == 0, good.stderr.decode()
    assert good.stdout.decode().startswith("new request ")
    bad = child_receive(database_url, tmp_path, eml("garbage.bin"))
    assert bad.returncode == EX_DATAERR
    for result in (good, bad):
        assert b"Traceback" not in result.stdout + result.stderr
    assert [request.subject for request in request_rows(app)] == ["唱片没有收到 镕喆"]


@pytest.mark.slow
def test_receive_asks_the_mta_to_retry_while_the_database_is_down(tmp_path):
    """No database: exit 75 (EX_TEMPFAIL), so the MTA keeps the message for later."""
    result = child_receive("postgresql://portico@127.0.0.1:9/none", tmp_path, eml("plain.eml"))
    assert result.returncode == EX_TEMPFAIL, result.stderr.decode()
    assert b"Traceback" not in result.stdout + result.stderr


@pytest.mark.slow
def test_a_fetch_worker_outlives_an_unreachable_mailbox_and_stops_on_sigint(app, tmp_path):
    """`fetch --every 1` reports the mailbox as away, keeps polling, and Ctrl-C ends it."""
    log = tmp_path / "worker.err"
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "PORTAL_INSTANCE": str(tmp_path / "worker"),
        "SECRET_KEY": TEST_SECRET,
        "SUPPORT_IMAP_URL": f"imap://support:secret@127.0.0.1:{free_port()}/INBOX",
    }
    with log.open("wb") as errors:
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "support", "fetch", "--every", "1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        try:
            wait_for(lambda: log.read_text().count("trying again") >= 2, timeout=60)
            worker.send_signal(signal.SIGINT)
            worker.wait(timeout=15)
        finally:
            if worker.poll() is None:
                worker.kill()
    assert worker.returncode == 0
    text = log.read_text()
    assert "mailbox unavailable" in text and "secret" not in text
    assert "Traceback" not in text


def test_the_sweep_command_is_still_there(app, desk):
    """`support sweep` runs once and reports its counts."""
    result = app.test_cli_runner().invoke(args=["support", "sweep"])
    assert result.exit_code == 0
    assert result.stdout.startswith("warned ")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (None, "SUPPORT_IMAP_URL is not set"),
        ("http://user:pass@mail.test/INBOX", "must start with imaps:// or imap://"),
        ("imaps://mail.test/INBOX", "must name a user and a host"),
        ("imaps://u:p@mail.test:99999/INBOX", "invalid port"),
    ],
)
def test_fetch_explains_a_missing_or_wrong_mailbox_url(app, url, message):
    """A wrong SUPPORT_IMAP_URL is a clear message and exit 1, never a traceback."""
    app.config["SUPPORT_IMAP_URL"] = url
    result = app.test_cli_runner().invoke(args=["support", "fetch"])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
