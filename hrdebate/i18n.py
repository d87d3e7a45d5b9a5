"""Language selection, in this order: ``?lang=`` (that request only: a
link to a page in another language), the language cookie (this device's
choice), the signed-in person's stored language, Accept-Language, and
finally Russian.

Only the language switcher (``/language/<code>``, main.set_language) changes
the choice: it sets this device's cookie and, for a signed-in person, stores
the language on the account (mail and a new device use it). The switcher is
a small POST form, because a GET never writes to the database; a plain
``?lang=`` neither sets the cookie nor touches the account."""

from urllib.parse import urlencode, urlsplit

from flask import current_app, g, request, url_for
from flask_babel import get_locale, refresh
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from . import timeutil
from .choices import Region
from .config import LANGUAGE_NAMES, LANGUAGES

LOGIN_REQUIRED_MESSAGE = _l("Please log in to continue.")

# Pages where ?lang= filters events by their language (DESIGN §6) instead of
# showing the page in that language.
LANGUAGE_FILTER_ENDPOINTS = frozenset({"events.index", "feeds.events_ics", "feeds.events_atom"})


def _requested_language() -> str | None:
    if request.endpoint in LANGUAGE_FILTER_ENDPOINTS:
        return None
    requested = request.args.get("lang")
    return requested if requested in LANGUAGES else None


def select_locale() -> str:
    requested = _requested_language()
    if requested:
        return requested
    cookie = request.cookies.get(current_app.config["LANGUAGE_COOKIE"])
    if cookie in LANGUAGES:
        return cookie
    if current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    if g.get("reader_locale") in LANGUAGES:
        return g.reader_locale
    return request.accept_languages.best_match(LANGUAGES) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def read_in(locale: str | None) -> None:
    """A page reached from a mail (its link names the account) speaks the
    mail's language on a device that has not chosen one: after the cookie
    and the signed-in account, before the browser's Accept-Language."""
    g.reader_locale = locale
    refresh()  # a locale asked for earlier in this request is asked again


def remember_language(requested: str) -> None:
    """Keep this language on this device (the response sets the cookie)."""
    g.remember_language = requested


def _set_language_cookie(response):
    chosen = g.get("remember_language")
    if chosen:
        response.set_cookie(
            current_app.config["LANGUAGE_COOKIE"],
            chosen,
            max_age=current_app.config["LANGUAGE_COOKIE_MAX_AGE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def _return_path() -> str:
    """Where the switcher comes back to: this page, without its ``?lang=``
    (which would override the choice just made), except where ``?lang=``
    filters events; after a POST (a form shown again with its errors), the
    path of the page the form was on (only its path: the switcher never
    leaves the site)."""
    if request.method != "GET":
        return urlsplit(request.referrer or "").path or url_for("main.index")
    keep_lang = request.endpoint in LANGUAGE_FILTER_ENDPOINTS
    query = [(k, v) for k, v in request.args.items(multi=True) if keep_lang or k != "lang"]
    return f"{request.path}?{urlencode(query)}" if query else request.path


def language_switcher() -> dict:
    """The header's switcher: one form, a button per language, each posting
    to its ``/language/<code>``; ``next`` brings the person back here."""
    current = str(get_locale())
    return {
        "next": _return_path(),
        "languages": [
            {"code": code, "name": LANGUAGE_NAMES[code], "current": code == current,
             "action": url_for("main.set_language", code=code)}
            for code in LANGUAGES
        ],
    }


def init_app(app):
    app.after_request(_set_language_cookie)
    app.jinja_env.globals["language_switcher"] = language_switcher
    app.context_processor(lambda: {"current_locale": str(get_locale())})
    app.jinja_env.filters["machine_time"] = timeutil.machine_readable
    # The one set of date filters (timeutil): no template formats a date otherwise.
    for name in ("day", "day_time", "time", "month"):
        app.jinja_env.filters[name] = getattr(timeutil, name)
    # Older names for ``Region.label_of`` and ``Region.labels()``, which templates use.
    app.jinja_env.globals["region_name"] = Region.label_of
    app.jinja_env.globals["regions"] = Region.labels()
    app.jinja_env.globals["language_names"] = LANGUAGE_NAMES
