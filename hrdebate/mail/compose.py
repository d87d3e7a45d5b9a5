"""A row of the outbox made into a mail, when it leaves: in the reader's
language, a plain-text part and a small HTML part rendered from the same
template (``mail/<kind>.txt``), links on ``BASE_URL``.

What a kind's template is told comes from the function registered for it
with ``@context_for(kind)``; it returns None when there is nothing to say
any more (a notification deleted, a seat given up), and the mail is
dropped. A context with ``opt_out`` (the kind a person may refuse) gets a
``List-Unsubscribe`` link (RFC 2369, one click: RFC 8058)."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate
from hashlib import sha256
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from markupsafe import Markup
from sqlalchemy import select

from ..extensions import db
from ..forms import is_plain_address
from ..models import MailKind, Notification, OutboxMail, User
from ..urls import absolute_url_for
from . import preferences
from .outbox import wanted

CONTEXTS: dict[str, Callable[[OutboxMail], dict | None]] = {}


def context_for(kind: MailKind):
    def register(function):
        CONTEXTS[kind.value] = function
        return function
    return register


def recipient(mail: OutboxMail, user: User) -> str | None:
    """Where the mail goes, as the account is now: a confirmation to the
    address it confirms while that is still the account's, unconfirmed;
    anything else to the account's confirmed address only."""
    if not is_plain_address(user.email):
        return None  # none, or stored before the rule: it could name other mailboxes
    if mail.kind == MailKind.VERIFY:
        if user.email == mail.to_address and user.email_verified_at is None:
            return user.email
        return None
    return user.email if user.email_verified_at else None


def compose(mail: OutboxMail) -> EmailMessage | None:
    user = mail.user
    address = recipient(mail, user)
    if address is None:
        return None
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with _page_context(), force_locale(locale):
        context = CONTEXTS[mail.kind](mail)
        if context is None:
            return None
        opt_out = context.get("opt_out")
        if opt_out:
            context["unsubscribe_url"] = unsubscribe_url(user, opt_out)
        subject, text, html = render(f"mail/{mail.kind}.txt", user=user, lang=locale, **context)
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = address
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id(mail)
    message["Auto-Submitted"] = "auto-generated"
    # What the person may refuse, asked again right before the send
    # (outbox.deliver_due): a "stop" pressed while the batch is sent counts.
    message.refusable = (user.id, opt_out) if opt_out else None
    if opt_out:
        message["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = locale  # after the parts: set_content drops it
    return message


def still_wanted(user_id: int, kind: str) -> bool:
    """``wanted`` (the one rule) asked again right before the send
    (``outbox.deliver_due``): a kind refused after its mail was written, or
    while its batch was being sent, is not sent."""
    return db.session.scalar(select(User.id).where(User.id == user_id, wanted(kind))) is not None


def message_id(mail: OutboxMail) -> str:
    """The same on every attempt, so a copy sent twice shows once."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    secret = current_app.config["SECRET_KEY"]
    digest = sha256(f"{secret}:{mail.id}:{mail.created_at}".encode()).hexdigest()[:16]
    return f"<{mail.id}.{digest}@{host}>"


def unsubscribe_url(user: User, kind: str) -> str:
    return absolute_url_for("mail.unsubscribe", token=preferences.stop_token(user, kind))


def render(template: str, **context) -> tuple[str, str, str]:
    """(subject, text, html) from one template, rendered twice: as text and
    with HTML escaping on. The first line is the subject; blank lines part
    paragraphs."""
    app = current_app._get_current_object()
    parts = {}
    for html in (False, True):
        env = _environment(app, html)
        values = dict(context, html=html)
        app.update_template_context(values)
        output = env.get_template(template).render(values)
        subject, _, body = output.strip().partition("\n")
        parts[html] = (" ".join(subject.split()), _tidy(body))
    subject = parts[False][0]
    page = app.jinja_env.get_template("mail/_page.html").render(
        subject=subject, lang=context.get("lang"), body=_paragraphs(parts[True][1]))
    return subject, parts[False][1] + "\n", page


def _environment(app, html: bool):
    """The mail's own template environments, each with its own cache (an
    overlay would otherwise start from a copy of the site's compiled
    templates, compiled with the site's escaping). The HTML part escapes
    everything; the text part escapes nothing of its own, but the shared
    macros (``*.html``, such as the notification's sentence) still escape,
    so ``|striptags`` there gives back exactly what a person typed, ``<``
    and ``&`` included, instead of taking it for markup."""
    key = "mail_html_env" if html else "mail_text_env"
    env = app.extensions.get(key)
    if env is None:
        autoescape = True if html else _escapes_html
        env = app.extensions[key] = app.jinja_env.overlay(autoescape=autoescape, cache_size=100)
    return env


def _escapes_html(name: str | None) -> bool:
    return bool(name and name.endswith(".html"))


def _tidy(body: str) -> str:
    """Lines stripped, at most one blank line between paragraphs; the
    footer's ``--`` line is the usual signature separator ``-- ``."""
    lines = [line.strip() for line in body.strip().splitlines()]
    lines = ["-- " if line == "--" else line for line in lines]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _paragraphs(body: str) -> Markup:
    """Already escaped HTML text, each paragraph a <p>, lines kept; the
    footer (the paragraph the ``-- `` line starts) is ``<p class="footer">``,
    smaller, under a rule (``mail/_page.html``'s style)."""
    paragraphs = []
    for part in body.split("\n\n"):
        lines = [line for line in part.splitlines() if line.strip()]
        footer = bool(lines) and lines[0].strip() == "--"
        lines = lines[1:] if footer else lines
        if lines:
            paragraphs.append(Markup("<p{}>{}</p>").format(
                Markup(' class="footer"') if footer else "",
                Markup("<br>\n").join(Markup(line) for line in lines)))
    return Markup("\n").join(paragraphs)


class _page_context:
    """Templates build links with ``url_for``, which needs a request: one
    on ``BASE_URL``, never the address of whatever request runs this."""

    def __enter__(self):
        app = current_app._get_current_object()
        self.context = app.test_request_context("/", base_url=app.config["BASE_URL"])
        self.context.push()

    def __exit__(self, *exc):
        self.context.pop()


def link(url: str, label: str, html: bool) -> Markup | str:
    """A link as each part shows it (for templates: ``link(url, label, html)``)."""
    if html:
        return Markup('<a href="{}">{}</a>').format(url, label)
    return f"{label}: {url}"




@context_for(MailKind.NOTIFICATION)
def _notification(mail: OutboxMail) -> dict | None:
    notification = mail.notification_id and db.session.get(Notification, mail.notification_id)
    if not notification:
        return None
    return {"n": notification, "opt_out": notification.kind}
