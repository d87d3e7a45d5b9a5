"""Language selection: ?lang=, then the language cookie (this device's last
choice), the signed-in user's stored language, Accept-Language, and finally
Russian. Choosing a language on a page only sets the cookie (a GET never
writes to the database); the stored language, used for mail and on a new
device, changes in the profile."""

from flask import current_app, g, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .choices import Region
from .config import LANGUAGE_NAMES, LANGUAGES
from .timeutil import machine_readable

LOGIN_REQUIRED_MESSAGE = _l("Please log in to continue.")

# Pages where ?lang= filters events by their language (DESIGN §6) instead of
# switching the interface; their language switcher goes through /language/.
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
    return request.accept_languages.best_match(LANGUAGES) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def _remember_requested_language():
    """A ?lang= choice sticks, in a cookie."""
    requested = _requested_language()
    if requested:
        remember_language(requested)


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


def language_links() -> list[dict]:
    """The current page in each language, for the switcher."""
    current = str(get_locale())
    args = {**request.view_args} if request.view_args else {}
    query = request.args.to_dict()
    links = []
    for code in LANGUAGES:
        if request.endpoint in LANGUAGE_FILTER_ENDPOINTS:
            href = url_for("main.set_language", code=code, next=request.full_path)
        elif request.endpoint and request.endpoint != "static":
            href = url_for(request.endpoint, **{**args, **query, "lang": code})
        else:
            href = url_for("main.index", lang=code)
        links.append({"code": code, "name": LANGUAGE_NAMES[code], "href": href,
                      "current": code == current})
    return links


def init_app(app):
    app.before_request(_remember_requested_language)
    app.after_request(_set_language_cookie)
    app.jinja_env.globals["language_links"] = language_links
    app.context_processor(lambda: {"current_locale": str(get_locale())})
    app.jinja_env.filters["machine_time"] = machine_readable
    # Older names for ``Region.label_of`` and ``Region.labels()``, which templates use.
    app.jinja_env.globals["region_name"] = Region.label_of
    app.jinja_env.globals["regions"] = Region.labels()
    app.jinja_env.globals["language_names"] = LANGUAGE_NAMES
