"""Optional email for notifications: over SMTP when MAIL_SERVER is set, to
the console in development (MAIL_CONSOLE), otherwise not at all. Mail is
sent after the transaction that created the notification commits."""

import smtplib
import sys
from email.message import EmailMessage

from flask import (
    after_this_request,
    current_app,
    g,
    has_request_context,
    render_template,
)
from flask_babel import force_locale
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from .extensions import db
from .urls import absolute_url_for


def mail_enabled() -> bool:
    config = current_app.config
    return bool(config.get("MAIL_SERVER") or config.get("MAIL_CONSOLE"))


def queue_notification_mail(notification_ids) -> None:
    """Remember notifications to mail once the current transaction commits.
    In a request, the mail leaves after the answer has gone out, so how long
    sending takes tells the requester nothing (such as whether the username
    they typed into a club's invitation form has an account with an address)."""
    if mail_enabled():
        db.session.info.setdefault("outbox", []).extend(notification_ids)
        if has_request_context() and "mail_after_response" not in g:
            g.mail_after_response = None  # a list once the answer is on its way
            after_this_request(_send_after_response)


def _send_after_response(response):
    """Mail rendered when the request commits is sent once the server has
    written the answer (when it closes the response)."""
    pending = g.mail_after_response = []
    app = current_app._get_current_object()

    def send_pending():
        with app.app_context():
            for message in pending:
                try:
                    _deliver(*message)
                except (OSError, smtplib.SMTPException) as error:
                    app.logger.warning("notification mail not sent: %s", error)

    response.call_on_close(send_pending)
    return response


def send(to: str, subject: str, body: str) -> None:
    pending = g.get("mail_after_response") if has_request_context() else None
    if pending is not None:
        pending.append((to, subject, body))
    else:
        _deliver(to, subject, body)


def _deliver(to: str, subject: str, body: str) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 587)),
                          timeout=10) as smtp:
            if config.get("MAIL_USE_TLS", True):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    else:
        print(f"--- email ---\n{message}", file=sys.stderr)


def _send_outbox(session: Session) -> None:
    ids = session.info.pop("outbox", None)
    if not ids:
        return
    from .models import Notification, User

    # The committed session may not run SQL from inside its own event: read
    # what to send with a session of its own.
    with Session(bind=session.get_bind()) as reader:
        rows = reader.execute(
            select(Notification, User).join(User, User.id == Notification.user_id)
            .where(Notification.id.in_(ids), User.email.is_not(None))
        ).all()
        for notification, user in rows:
            _mail(notification, user)


def _mail(notification, user) -> None:
    """One notification, in its reader's language; a failure is logged, never raised."""
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = render_template("notifications/email.txt", n=notification,
                               url=absolute_url_for("notifications.index"))
    subject, _, body = text.strip().partition("\n")
    try:
        send(user.email, subject.strip(), body.strip())
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("notification mail not sent: %s", error)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.get("outbox"):
        _send_outbox(session)
