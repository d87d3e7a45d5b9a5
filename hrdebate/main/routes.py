from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..config import LANGUAGES
from ..extensions import db, limiter
from ..i18n import remember_language
from ..security import safe_next
from . import bp


@bp.get("/")
def index():
    return render_template("main/index.html")


@bp.get("/conduct")
def conduct():
    return render_template("main/conduct.html")


@bp.get("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.get("/language/<code>")
def set_language(code):
    """Switch the interface language, then go back (used where ?lang= is a filter)."""
    if code not in LANGUAGES:
        abort(404)
    remember_language(code)
    return redirect(safe_next(request.args.get("next"), url_for(".index")))


@bp.get("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
