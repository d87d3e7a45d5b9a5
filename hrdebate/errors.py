"""Translated error pages; htmx requests get a small fragment instead."""

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .htmx import wants_fragment

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Not allowed"), _l("You do not have permission to do this.")),
    404: (_l("Page not found"), _l("This page does not exist, or it is not public.")),
    405: (_l("Not allowed"), _l("This address does not accept this kind of request.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    429: (_l("Too many requests"), _l("You are doing this too often. Please wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("An error occurred on our side. Please try again later.")),
    503: (_l("Temporarily unavailable"), _l("The site is temporarily unavailable. Please try again later.")),
}
CSRF_MESSAGE = _l("Your form has expired or was sent from another site. Please reload the page and try again.")


def render_error(code: int, message=None):
    title, default_message = MESSAGES.get(code, MESSAGES[500])
    template = "errors/fragment.html" if wants_fragment() else "errors/error.html"
    return render_template(template, code=code, title=title, message=message or default_message), code


def init_app(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code in MESSAGES:
            return render_error(error.code)
        return error

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(500)
