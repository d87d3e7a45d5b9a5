"""How a composed mail leaves: over SMTP when MAIL_SERVER is set, printed to
the console when MAIL_CONSOLE is (``make run``)."""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage

from flask import current_app

# An error that says the connection, not this one message, failed: the rest
# of the batch waits for the next attempt instead of failing one by one.
CONNECTION_ERRORS = (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError,
                     smtplib.SMTPHeloError, smtplib.SMTPAuthenticationError)


def is_permanent(error: Exception) -> bool:
    """A 5xx answer about this message (an address that does not exist, a
    message refused): retrying would give the same answer."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        return error.smtp_code >= 500
    return False


class Connection:
    """One SMTP session reused for a batch, opened on first use."""

    def __init__(self):
        self.config = current_app.config
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if not self.config.get("MAIL_SERVER"):
            print(readable(message), file=sys.stderr, flush=True)
            return
        if self.smtp is None:
            self.smtp = self._open()
        self.smtp.send_message(message)

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
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def readable(message: EmailMessage) -> str:
    """The console's view of a mail: its headers and its text part, decoded."""
    headers = "\n".join(f"{name}: {value}" for name, value in message.items()
                        if name.lower() not in ("content-type", "mime-version"))
    text = message.get_body(("plain",))
    return (f"--- email ---\n{headers}\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n\n"
            f"{text.get_content() if text else ''}")
