"""Where an email goes: an SMTP relay (`MAIL_URL`), or `.eml` files in the instance folder."""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit


class TransientError(Exception):
    """Try again later: the server is down, busy or said 4xx."""


class ConnectionLost(TransientError):
    """The connection broke under us: on a connection kept open, the server may have closed it."""


class PermanentError(Exception):
    """Do not try again: the server refused this message for good (5xx)."""


class Transport(Protocol):
    def send(self, message: EmailMessage, *, key: str) -> None: ...
    def __enter__(self) -> Transport: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class FileTransport:
    """Writes each message to `<dir>/<key>.eml`; a resend replaces the same file."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def __enter__(self) -> FileTransport:
        self.directory.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def send(self, message: EmailMessage, *, key: str) -> None:
        target = self.directory / f"{key}.eml"
        partial = target.with_suffix(".eml.part")
        try:
            partial.write_bytes(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))
            os.replace(partial, target)
        except OSError as exc:
            raise TransientError(f"cannot write {target}: {exc}") from exc


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    starttls: bool

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        """Read `smtp://user:pass@host:587?starttls=1` or `smtps://host:465`."""
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"}:
            raise ValueError("MAIL_URL must start with smtp:// or smtps://")
        query = parse_qs(parts.query)
        implicit_tls = parts.scheme == "smtps"
        default_port = 465 if implicit_tls else 25
        starttls_flag = query.get("starttls", ["0"])[0].lower() in {"1", "true", "yes"}
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or default_port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit_tls,
            starttls=starttls_flag and not implicit_tls,
        )


class SmtpTransport:
    """One connection, opened on first use and kept for every message until `__exit__`.

    A server may close a connection that has been kept open (idle timeout, restart): when a
    reused one turns out dead, the message is tried once more on a fresh connection.
    """

    def __init__(self, settings: SmtpSettings, timeout: float) -> None:
        self.settings = settings
        self.timeout = timeout
        self._connection: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (smtplib.SMTPException, OSError):
                self._connection.close()
            self._connection = None

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        try:
            if settings.implicit_tls:
                connection: smtplib.SMTP = smtplib.SMTP_SSL(
                    settings.host,
                    settings.port,
                    timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                connection = smtplib.SMTP(settings.host, settings.port, timeout=self.timeout)
                if settings.starttls:
                    connection.starttls(context=ssl.create_default_context())
            if settings.username:
                connection.login(settings.username, settings.password or "")
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"cannot reach {settings.host}:{settings.port}: {exc}") from exc
        return connection

    def send(self, message: EmailMessage, *, key: str) -> None:
        reused = self._connection is not None
        try:
            self._send_once(message)
        except ConnectionLost:
            if not reused:
                raise
            self._send_once(message)

    def _send_once(self, message: EmailMessage) -> None:
        if self._connection is None:
            self._connection = self._connect()
        try:
            refused = self._connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise _classify(min(codes), str(exc.recipients)) from exc
        except smtplib.SMTPResponseException as exc:
            self._drop_connection()
            raise _classify(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
            self._drop_connection()
            raise ConnectionLost(str(exc) or exc.__class__.__name__) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._drop_connection()
            raise TransientError(str(exc) or exc.__class__.__name__) from exc
        if refused:
            raise PermanentError(f"refused recipients: {refused}")

    def _drop_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _classify(code: int, detail: object) -> Exception:
    text = detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)
    message = f"SMTP {code}: {text}"
    return PermanentError(message) if 500 <= code < 600 else TransientError(message)


def make_transport(mail_url: str | None, mail_dir: str, timeout: float) -> Transport:
    if mail_url:
        return SmtpTransport(SmtpSettings.from_url(mail_url), timeout)
    return FileTransport(mail_dir)
