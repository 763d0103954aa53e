"""A real IMAP server for the mail-in tests: Dovecot, from Debian's `dovecot-imapd` package.

`dovecot_server()` writes a configuration of its own into a fresh folder (nothing of the
machine's /etc/dovecot is read), and runs Dovecot in the foreground on a free loopback port:
plaintext login allowed (loopback only, no TLS), one user in a passwd-file, a Maildir in the
same folder. Run as root (CI), the mail user is `nobody`, since Dovecot refuses mail access
as root; run as anyone else, everything runs as that user. Test messages arrive by IMAP
APPEND, as any mail program would store them.
"""

from __future__ import annotations

import getpass
import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.services import free_port

USER = "support"
PASSWORD = "imap-test-secret"


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (path for path in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if Path(path).exists()),
        None,
    )


def dovecot_available() -> bool:
    return dovecot_binary() is not None


@dataclass
class ImapServer:
    port: int
    root: Path

    @property
    def url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"

    @contextmanager
    def session(self) -> Iterator[imaplib.IMAP4]:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        conn.login(USER, PASSWORD)
        conn.select("INBOX")
        try:
            yield conn
        finally:
            conn.logout()

    def append(self, messages: Iterable[bytes]) -> None:
        """Store messages unseen, as a mail server delivers them."""
        with self.session() as conn:
            for message in messages:
                status, detail = conn.append("INBOX", None, None, message)
                assert status == "OK", detail

    def count(self, criterion: str = "ALL") -> int:
        with self.session() as conn:
            _status, data = conn.uid("SEARCH", criterion)
            return len(data[0].split()) if data and data[0] else 0

    def mark_all_unseen(self) -> None:
        with self.session() as conn:
            if self.count():
                conn.uid("STORE", "1:*", "-FLAGS.SILENT", r"(\Seen)")

    def clear(self) -> None:
        with self.session() as conn:
            _status, data = conn.uid("SEARCH", "ALL")
            if data and data[0]:
                conn.uid("STORE", "1:*", "+FLAGS.SILENT", r"(\Deleted)")
                conn.expunge()


def _accounts() -> tuple[int, int, str, str]:
    """(mail uid, mail gid, login user, internal user) for whoever runs the tests."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        login = "dovenull" if _user_exists("dovenull") else "nobody"
        internal = "dovecot" if _user_exists("dovecot") else "nobody"
        return nobody.pw_uid, nobody.pw_gid, login, internal
    me = getpass.getuser()
    return os.getuid(), os.getgid(), me, me


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _configuration(root: Path, port: int, uid: int, login: str, internal: str) -> str:
    unprivileged = os.geteuid() != 0
    chroot = "  chroot =\n" if unprivileged else ""
    # Unprivileged, every socket belongs to the one user's own group.
    group = (
        f"default_internal_group = {grp.getgrgid(os.getgid()).gr_name}\n" if unprivileged else ""
    )
    return f"""\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login}
default_internal_user = {internal}
{group}first_valid_uid = {min(uid, 500) or 1}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
{chroot}  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
{chroot}}}
"""


@contextmanager
def dovecot_server() -> Iterator[ImapServer]:
    """Dovecot on a free loopback port, stopped (and its folder removed) afterwards."""
    binary = dovecot_binary()
    assert binary is not None, "dovecot is not installed (apt-get install dovecot-imapd)"
    root = Path(tempfile.mkdtemp(prefix="portico-dovecot-"))
    root.chmod(0o755)  # the mail user (nobody, when run as root) must reach its Maildir
    uid, gid, login, internal = _accounts()
    (root / "mail").mkdir()
    (root / "home").mkdir()
    for folder in (root / "mail", root / "home"):
        os.chown(folder, uid, gid)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{root}/home::\n")
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(_configuration(root, port, uid, login, internal))
    process = subprocess.Popen(
        [binary, "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _wait_for_greeting(port, process, root)
        yield ImapServer(port, root)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_greeting(port: int, process: subprocess.Popen, root: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            error = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"dovecot did not start:\n{error}\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                if probe.recv(200).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("dovecot did not answer within 20 s")
