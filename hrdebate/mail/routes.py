"""What a person chooses about mail: the "Mail" section of /account/
(``/mail/preferences``), and the link at the foot of a mail that stops its
kind, with or without signing in (the signed link is the proof)."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms import SelectMultipleField

from ..choices import as_choices
from ..i18n import read_in
from ..extensions import csrf
from ..forms import Form
from ..models import User
from . import preferences

bp = Blueprint("mail", __name__, url_prefix="/mail")


class PreferencesForm(Form):
    """A checked box is a kind the person wants (mail/_preferences.html draws
    the boxes, grouped); a kind that is not refusable is ignored."""

    kind = SelectMultipleField(choices=as_choices({kind: kind for kind in preferences.REFUSABLE}),
                               validate_choice=False)


def _reader(token: str) -> tuple[User, str]:
    """The person and the kind a stop link names; 404 for a link that is
    forged, damaged, or names someone or something that is not there."""
    found = preferences.from_link(token)
    if found is None:
        abort(404)
    read_in(found[0].locale)  # the mail's language, on a device that chose none
    return found


def _page(token, kind, state):
    return render_template("mail/unsubscribe.html", token=token, state=state,
                           label=preferences.label(kind))


@bp.get("/unsubscribe/<token>")
def unsubscribe(token):
    user, kind = _reader(token)
    return _page(token, kind, "already" if kind in preferences.refused(user.id) else "ask")


# A mail program's one-click request (RFC 8058) carries no CSRF token: the
# signed link is what proves the request, and all it can do is stop mail.
@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_now(token):
    user, kind = _reader(token)
    preferences.refuse(user.id, kind)
    return _page(token, kind, "stopped")


# Taking it back turns mail on again: a page of ours asks it, with its CSRF token.
@bp.post("/unsubscribe/<token>/undo")
def unsubscribe_undo(token):
    user, kind = _reader(token)
    preferences.allow(user.id, kind)
    return _page(token, kind, "allowed")


@bp.post("/preferences")
@login_required
def save_preferences():
    form = PreferencesForm()
    if not form.validate():
        abort(400)
    preferences.save(current_user, form.kind.data or [])
    # Said in the section itself (the page opens there, a phone's screen
    # below the flashes at the top): mail/_preferences.html reads ?mail=saved.
    return redirect(url_for("account.profile", mail="saved", _anchor="mail"))


@bp.app_context_processor
def _mail_section():
    """What templates/mail/_preferences.html (in /account/) shows, and the
    name of a kind of mail (the footer of a mail, mail/_footer.txt)."""
    def mail_choices():
        return preferences.choices(current_user)
    return {"mail_choices": mail_choices, "mail_kind_label": preferences.label}
