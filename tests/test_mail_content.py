"""Mail people can read: a plain-text part and a small HTML part from one
template, in the reader's language, everything a person typed escaped in
the HTML and kept as typed in the text, every link on BASE_URL."""

import re
from html.parser import HTMLParser

import pytest
from flask_babel import force_locale, gettext
from markupsafe import Markup
from sqlalchemy import select

from hrdebate.extensions import db
from hrdebate.mail.compose import compose
from hrdebate.models import NotificationKind, OutboxMail, OutboxStatus
from hrdebate.notifications.services import notify
from tests.conftest import BASE_URL

HOSTILE_TITLE = '<script>alert(1)</script> "><img src=x onerror=alert(2)> Tom & Jerry'
MESSAGE = 'Bring <b>your</b> notes & a pen\nRoom 5\n\n<a href="http://evil.example">click</a>'
OUR_MARKUP = re.compile(r"<(a|p|br|div|html|body|strong|em)[\s>/]|&(lt|gt|amp|#34|#39|quot);")


def _notify(app, user_id, kind, **fields):
    with app.test_request_context():
        notify([user_id], kind, **fields)
        db.session.commit()


def _composed(app):
    """Each pending mail of the outbox as the worker would send it."""
    with app.app_context():
        mails = db.session.scalars(select(OutboxMail).where(
            OutboxMail.status == OutboxStatus.PENDING).order_by(OutboxMail.id)).all()
        return [compose(mail) for mail in mails]


def _parts(message):
    return (message.get_body(("plain",)).get_content(),
            message.get_body(("html",)).get_content())


class _Checker(HTMLParser):
    """A strict enough reading of the HTML part: every element closed in
    order, only the few we write, no script, no event handler."""

    VOID = {"meta", "br"}
    # The page's look is one <style> in its head: no style= attribute anywhere
    # (the site's templates keep to its CSP, this one too).
    ALLOWED = {"html", "head", "meta", "title", "style", "body", "div", "p", "a", "br"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.hrefs = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self.ALLOWED:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("src", "style"):
                self.problems.append(f"{tag} {name}")
            if name == "href":
                self.hrefs.append(value)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"</{tag}> out of order")


def _check_html(html):
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert html.startswith("<!doctype html>")
    assert checker.problems == [] and checker.stack == []
    return checker


# -- escaping ----------------------------------------------------------------------------------

def test_what_people_typed_is_escaped_in_html_and_kept_in_text(app, mailing, make_user,
                                                               make_club, make_event):
    aida = make_user("aida", email="aida@example.org", locale="en")
    event = make_event(make_club(name="Club <i>One</i>"), title=HOSTILE_TITLE)
    _notify(app, aida.id, "event_cancelled", event_id=event.id)
    _notify(app, aida.id, "organiser_message", event_id=event.id, subject="Hi <i>all</i>",
            detail=MESSAGE)
    cancelled, message = _composed(app)

    text, html = _parts(cancelled)
    assert cancelled["Subject"] == f"hrdebate: The event {HOSTILE_TITLE} has been cancelled."
    assert f"The event {HOSTILE_TITLE} has been cancelled." in text  # exactly as typed
    assert not OUR_MARKUP.search(text.replace(HOSTILE_TITLE, ""))
    _check_html(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;&gt;&lt;img src=x onerror=alert(2)&gt; " \
           "Tom &amp; Jerry" in html
    assert "<script" not in html and "<img" not in html

    text, html = _parts(message)
    assert "Bring <b>your</b> notes & a pen\nRoom 5\n\n<a href=\"http://evil.example\">click</a>" \
        in text
    checker = _check_html(html)
    assert "<p>Bring &lt;b&gt;your&lt;/b&gt; notes &amp; a pen<br>\nRoom 5</p>" in html
    assert "&lt;a href=&#34;http://evil.example&#34;&gt;click&lt;/a&gt;" in html
    assert "Hi &lt;i&gt;all&lt;/i&gt;" in html
    assert not any("evil.example" in href for href in checker.hrefs)


# -- size and validity --------------------------------------------------------------------------

def test_every_notification_mail_is_small_and_well_formed(app, mailing, make_user, make_club,
                                                          make_event):
    aida = make_user("aida", email="aida@example.org", locale="ru")
    event = make_event(make_club(), title="Права ребёнка " * 10)
    for kind in NotificationKind:
        _notify(app, aida.id, kind.value, event_id=event.id, detail="respect: rude words")
    messages = [message for message in _composed(app) if message is not None]
    assert len(messages) >= len(NotificationKind) - 2  # (an invitation or club gone: dropped)
    for message in messages:
        text, html = _parts(message)
        assert len(html.encode()) < 10_000, message["Subject"]
        _check_html(html)
        assert not OUR_MARKUP.search(text), message["Subject"]


def test_the_html_part_passes_the_nu_html_checker(app, mailing, make_user, make_club, make_event,
                                                   tmp_path):
    from tests.test_html import _errors, _java

    java = _java()
    aida = make_user("aida", email="aida@example.org", locale="ky")
    event = make_event(make_club(), title=HOSTILE_TITLE)
    _notify(app, aida.id, "organiser_message", event_id=event.id, subject="<b>x</b>",
            detail=MESSAGE)
    _notify(app, aida.id, "event_changed", event_id=event.id)
    for n, message in enumerate(_composed(app)):
        (tmp_path / f"mail{n}.html").write_text(_parts(message)[1], "utf-8")
    assert _errors(java, tmp_path) == []


# -- language -----------------------------------------------------------------------------------

CANCELLED = 'The event <a href="%(url)s">%(title)s</a> has been cancelled.'


@pytest.mark.parametrize("locale", ["ky", "uz", "ru", "en"])
def test_both_parts_are_in_the_readers_language(app, mailing, make_user, make_club, make_event,
                                                locale):
    reader = make_user("reader", email="reader@example.org", locale=locale)
    event = make_event(make_club(), title="Votes at 16")
    _notify(app, reader.id, "event_cancelled", event_id=event.id)
    [message] = _composed(app)
    text, html = _parts(message)
    with app.test_request_context(), force_locale(locale):
        sentence = Markup(gettext(CANCELLED, url="u", title="Votes at 16")).striptags()
        stop = gettext("Choose which mail you receive")
    assert sentence in text and sentence in message["Subject"]
    assert f'<html lang="{locale}">' in html and message["Content-Language"] == locale
    assert stop in text and stop in html
    if locale != "en":
        assert sentence != "The event Votes at 16 has been cancelled."
        assert "has been cancelled" not in text + html


# -- links --------------------------------------------------------------------------------------

def test_links_are_absolute_on_base_url_whatever_request_runs_the_worker(app, mailing, make_user,
                                                                         make_club, make_event):
    aida = make_user("aida", email="aida@example.org", locale="en")
    event = make_event(make_club(), title="Votes at 16")
    _notify(app, aida.id, "event_cancelled", event_id=event.id)
    with app.test_request_context("/", base_url="http://evil.example:8000"):
        [message] = _composed(app)
    text, html = _parts(message)
    hrefs = _check_html(html).hrefs
    urls = re.findall(r"https?://\S+", text)
    assert len(hrefs) >= 3 and len(urls) >= 3
    assert all(url.startswith(BASE_URL + "/") for url in hrefs + urls), hrefs + urls
    assert f"{BASE_URL}/events/{event.id}" in hrefs
    assert f"{BASE_URL}/account/#mail" in hrefs and f"{BASE_URL}/account/#mail" in urls
    assert message["List-Unsubscribe"].startswith(f"<{BASE_URL}/mail/unsubscribe/")


def test_the_footer_names_the_kind_it_stops(app, mailing, make_user, make_club, make_event):
    aida = make_user("aida", email="aida@example.org", locale="en")
    event = make_event(make_club(), title="Votes at 16")
    _notify(app, aida.id, "reply", event_id=event.id)
    [message] = _composed(app)
    text, html = _parts(message)
    assert "\n-- \n" in text  # the usual signature separator
    assert "Stop mail of this kind (Someone replies to your comment): " \
           f"{BASE_URL}/mail/unsubscribe/" in text
    assert ">Stop mail of this kind (Someone replies to your comment)</a>" in html
