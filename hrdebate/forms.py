"""Pieces shared by every area's forms."""

import re
from functools import cache
from importlib.resources import files

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms.validators import ValidationError

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def strip(value):
    """WTForms filter: surrounding spaces never count."""
    return value.strip() if isinstance(value, str) else value


@cache
def common_passwords() -> frozenset[str]:
    text = files("hrdebate").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


class PasswordPolicy:
    """At least PASSWORD_MIN_LENGTH characters and not a well-known password."""

    def __call__(self, form, field):
        password = field.data or ""
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if len(password) < minimum:
            raise ValidationError(
                ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.",
                         minimum)
            )
        if password.lower() in common_passwords() or len(set(password)) < 4:
            raise ValidationError(
                _("This password is too common and easy to guess. Please choose another.")
            )


class OptionalEmail:
    def __call__(self, form, field):
        value = (field.data or "").strip()
        field.data = value or None
        if value and (len(value) > 254 or not EMAIL_RE.match(value)):
            raise ValidationError(_l("Enter a valid email address, or leave it empty."))


def render_form(template: str, form, **context):
    """Render a page holding a form: 422 when it was sent with errors."""
    status = 422 if form.is_submitted() and form.errors else 200
    return render_template(template, form=form, **context), status
