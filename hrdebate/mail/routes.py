"""The link at the foot of a mail: stop this kind of mail, with or without
signing in (the signed link is the proof)."""

from flask import Blueprint, abort, render_template

from ..extensions import csrf, db
from ..models import User
from . import preferences, tokens

bp = Blueprint("mail", __name__, url_prefix="/mail")


def _reader(token: str) -> tuple[User, str]:
    payload = tokens.read("unsubscribe", token)
    user = payload and isinstance(payload.get("u"), int) and db.session.get(User, payload["u"])
    if not user or payload.get("k") not in preferences.REFUSABLE:
        abort(404)
    return user, payload["k"]


@bp.get("/unsubscribe/<token>")
def unsubscribe(token):
    user, kind = _reader(token)
    return render_template("mail/unsubscribe.html", kind=kind, token=token, done=False)


# A mail program's one-click request (RFC 8058) carries no CSRF token: the
# signed link is what proves the request, and all it can do is stop mail.
@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_now(token):
    user, kind = _reader(token)
    preferences.refuse(user.id, kind)
    return render_template("mail/unsubscribe.html", kind=kind, token=token, done=True)
