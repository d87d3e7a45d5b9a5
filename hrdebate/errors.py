"""Translated error pages; htmx requests get a small fragment instead. The
one answer to a refusal by the rules (``RuleError``) lives here too."""

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wsgi import LimitedStream

from . import ratelimits
from .extensions import db
from .htmx import refresh_flashes, wants_fragment
from .rules import RuleError
from .security import safe_next
from .urls import same_site_path

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Not allowed"), _l("You do not have permission to do this.")),
    404: (_l("Page not found"), _l("This page does not exist, or it is not public.")),
    405: (_l("Not allowed"), _l("This address does not accept this kind of request.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    429: (_l("Please wait a little"),
          lazy_ngettext("You are sending too quickly. Please send again in %(num)d minute.",
                        "You are sending too quickly. Please send again in %(num)d minutes.", 1)),
    500: (_l("Something went wrong"), _l("An error occurred on our side. Please try again later.")),
    503: (_l("Temporarily unavailable"), _l("The site is temporarily unavailable. Please try again later.")),
}
# The database could not be reached, or the line went down as a form was
# being saved (faults.py).
UNAVAILABLE_MESSAGE = _l("The site lost its connection to the database for a moment. Please try again in a few seconds.")
CSRF_MESSAGE = _l("Your form has expired or was sent from another site. Please reload the page and try again.")


def render_error(code: int, message=None):
    title, default_message = MESSAGES.get(code, MESSAGES[500])
    template = "errors/fragment.html" if wants_fragment() else "errors/error.html"
    return render_template(template, code=code, title=title, message=message or default_message), code


def refusal_goes_to(url: str) -> None:
    """Where a plain form goes back to when the rules refuse it (by default
    the form's ``next`` field, else the page the form was on)."""
    g.refusal_back = url


def _back() -> str:
    if "refusal_back" in g:
        return g.refusal_back
    page = same_site_path(request.referrer)
    return safe_next(request.form.get("next"), safe_next(page, url_for("main.index")))


def answer_refusal(error: RuleError):
    """Every refusal, answered once: htmx gets 422 and the sentence, shown in
    the page's message area (the swapped region keeps what it held); a plain
    form gets the sentence as a flash and goes back to where it came from.
    Nothing the refused request wrote is kept."""
    db.session.rollback()
    if wants_fragment():
        html = render_template("errors/fragment.html", message=error.message)
        return html, 422, {"HX-Retarget": "#flashes", "HX-Reswap": "innerHTML"}
    flash(error.message, "error")
    return redirect(_back())


def _too_large_message():
    from .images.processing import too_large

    limit = current_app.config.get("IMAGE_MAX_BYTES")
    return too_large(limit) if limit else None


def _drain_body(limit: int) -> None:
    """Read and drop the rest of the request's body, when it is at most
    ``limit`` bytes long and its length is known."""
    length = request.content_length
    if not length or length > limit:
        return
    # A body the form parser began to read (Werkzeug keeps its stream), or
    # one refused by its length before any of it was read.
    stream = request.__dict__.get("stream") or LimitedStream(request.environ["wsgi.input"], length)
    try:
        while stream.read(64 * 1024):
            pass
    except (OSError, HTTPException):  # the browser gave up: nothing to answer
        pass


def init_app(app):
    app.register_error_handler(RuleError, answer_refusal)
    # What a 422 or 429 put in the message area goes at the next success.
    app.after_request(refresh_flashes)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(429)
    def too_many_requests(error):
        """Over a rate limit (ratelimits.py). A plain form may come back as
        its page with what was typed (the limit's ``on_breach`` built it);
        htmx gets the sentence in the message area, so the form on the page
        keeps its text. Any other form (plain or boosted) goes back to the
        page it was sent from, like a refusal by the rules, and the sentence
        is shown there (303: the browser asks for that page with GET); only a
        GET over a limit gets the error page. Each says how long to wait."""
        if getattr(error, "response", None) is not None:
            return error.response
        message = ratelimits.message_for_this_request()
        if wants_fragment():
            html = render_template("errors/fragment.html", message=message)
            return html, 429, {"HX-Retarget": "#flashes", "HX-Reswap": "innerHTML"}
        if request.method not in ("GET", "HEAD"):
            db.session.rollback()
            flash(message, "error")
            return redirect(_back(), 303)
        return render_error(429, message)

    @app.errorhandler(413)
    def too_large(error):
        """Over MAX_CONTENT_LENGTH (an image upload, hrdebate/images): the
        translated page, which says the image limit. What is left of the
        body is read first (up to twice the limit): a server that answers
        before reading it may close the connection on a body still
        arriving, and the browser would show "connection reset" instead."""
        _drain_body(2 * (app.config.get("MAX_CONTENT_LENGTH") or 0))
        db.session.rollback()
        return render_error(413, _too_large_message())

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code in MESSAGES:
            return render_error(error.code)
        return error

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(500)
