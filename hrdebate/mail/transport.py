"""How a composed mail leaves: over SMTP when MAIL_SERVER is set, printed to
the console when MAIL_CONSOLE is (``make run``)."""

from __future__ import annotations

import re
import smtplib
import sys
from email.message import EmailMessage
from email.policy import EmailPolicy, compat32
from email.utils import getaddresses, parseaddr

from flask import current_app

# The server's answer about this one message (its recipient or its content
# refused): the next message may fare better on the same session. Everything
# else raised while sending (smtplib's errors are OSErrors too) is about the
# connection: it is closed, and a worker that cannot reach the server leaves
# the rest of its batch for a later attempt. So is a refused sender or login:
# the same for every message (MAIL_FROM or MAIL_PASSWORD wrong), so the mail
# waits for the settings to be fixed instead of failing one by one.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                  smtplib.SMTPNotSupportedError)


class _Policy(EmailPolicy):
    """``email.policy.SMTP``, but a subject in Cyrillic or Uzbek keeps its
    spaces. Python's folding (3.11, 3.12) puts a space between two words at
    the fold *between* two encoded words, where RFC 2047 says to ignore it:
    "Права ребёнка" reads "Праваребёнка" in every mail program. The legacy
    folding (``email.header.Header``) keeps spaces inside the encoded words."""

    def fold_binary(self, name, value):
        if name.lower() == "subject" and not str(value).isascii():
            return compat32.clone(linesep=self.linesep).fold_binary(name, str(value))
        return super().fold_binary(name, value)


SMTP_POLICY = _Policy(linesep="\r\n")


def as_sent(message: EmailMessage) -> bytes:
    """The bytes that go over SMTP."""
    return message.as_bytes(policy=SMTP_POLICY)


class Unreachable(Exception):
    """The SMTP server could not be reached, or the session broke and a new
    one failed too (or it refused the sender or the login)."""

    def __init__(self, error: BaseException):
        super().__init__(describe(error))


def is_permanent(error: Exception) -> bool:
    """A 5xx answer about this message (an address that does not exist, a
    message refused), or a message this server cannot take (an address in
    UTF-8 and no SMTPUTF8): retrying would give the same answer."""
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


class Connection:
    """One SMTP session reused for a whole delivery run, opened on first use.
    A session that worked and then broke (the server restarted, dropped an
    idle session, or said 421) is opened again once for the same message."""

    def __init__(self):
        self.config = current_app.config
        self.smtp: smtplib.SMTP | None = None
        self.failure = "SMTP server unreachable"  # why, once it was

    def send(self, message: EmailMessage) -> None:
        """Send ``message``; raises one of MESSAGE_ERRORS for an answer about
        it, ``Unreachable`` when the server cannot be reached."""
        if not self.config.get("MAIL_SERVER"):
            print(readable(message), file=sys.stderr, flush=True)
            return
        if self.smtp is not None and self.smtp.sock is None:  # closed by smtplib (a 421)
            self.smtp = None
        reused = self.smtp is not None
        try:
            self._send(message)
        except MESSAGE_ERRORS:
            raise
        except (smtplib.SMTPSenderRefused, smtplib.SMTPAuthenticationError) as error:
            raise self._unreachable(error) from error
        except OSError as error:
            self.close()
            if not reused:
                raise self._unreachable(error) from error
            try:
                self._send(message)
            except MESSAGE_ERRORS:
                raise
            except OSError as again:
                raise self._unreachable(again) from again

    def _unreachable(self, error: BaseException) -> Unreachable:
        self.close()
        unreachable = Unreachable(error)
        self.failure = str(unreachable)
        return unreachable

    def _send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._open()
        recipients = [address for _, address in getaddresses(message.get_all("To", []))]
        self.smtp.sendmail(parseaddr(message["From"])[1], recipients, as_sent(message))

    def _open(self) -> smtplib.SMTP:
        config = self.config
        smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]),
                            timeout=float(config["MAIL_TIMEOUT"]))
        try:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except OSError:  # smtplib's errors included
                self.smtp.close()
            self.smtp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def describe(error: BaseException) -> str:
    """An error as ``last_error`` keeps it (admins read it at /admin/mail),
    without the addresses a server's refusal quotes: the page names people
    by display name only."""
    return _ADDRESS.sub("<address>", f"{type(error).__name__}: {error}")[:300]


_ADDRESS = re.compile(r'"[^"]*"@[^\s<>\'"(),;:\[\]{}]+|'
                      r"[^\s<>'\"(),;:\[\]{}]+@[^\s<>'\"(),;:\[\]{}]+")


def readable(message: EmailMessage) -> str:
    """The console's view of a mail: its headers and its text part, decoded."""
    headers = "\n".join(f"{name}: {value}" for name, value in message.items()
                        if name.lower() not in ("content-type", "mime-version"))
    text = message.get_body(("plain",))
    return (f"--- email ---\n{headers}\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n\n"
            f"{text.get_content() if text else ''}")
