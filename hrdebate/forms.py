"""Pieces shared by every area's forms."""

import re
from functools import cache
from importlib.resources import files

from flask import current_app, render_template
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeField,
    EmailField,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import ValidationError

from .bounds import SaneDate
from .text import (
    imitates_staff,
    normalise_block,
    normalise_line,
    unsafe_in_block,
    unsafe_in_line,
)

# An address is a plain RFC 5321 addr-spec, nothing more: a local part of
# ASCII atext in dot-separated runs, "@", and a domain of at least two ASCII
# letter-digit-hyphen labels. No quoted local parts, comments, groups,
# display names, lists or source routes: what the account stores is then
# exactly where the mail goes (the To header parses back to it), and the
# database's lower() folds it as Python's does, on every database.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# The last label (the top-level domain) holds a letter: "a@10.0.0.1" is no
# way around the refused IP literal "[10.0.0.1]".
_TOP = r"(?=[A-Za-z0-9-]*[A-Za-z])" + _LABEL
EMAIL_RE = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+{_TOP}", re.ASCII)
EMAIL_MAX, LOCAL_PART_MAX = 254, 64
NOT_LATIN_EMAIL = _l("Use the address in Latin letters, like name@example.org.")
UNSAFE_LINE = _l("This text holds invisible or control characters (such as a zero-width "
                 "space or a direction mark). Type it again without them.")
UNSAFE_BLOCK = _l("This text holds control characters that hide it or change its direction. "
                  "Type it again without them.")


def strip(value):
    """WTForms filter: surrounding spaces never count."""
    return value.strip() if isinstance(value, str) else value


# -- every text field, cleaned on the way in (issue #9 item 10) ----------------------------

def _cleaner(normalise, unsafe, message):
    """A WTForms filter: ``normalise`` the text, then refuse it (a ValueError
    is the field's error) when ``unsafe`` finds a character in it."""
    def clean(value):
        if not isinstance(value, str):
            return value
        value = normalise(value)
        if unsafe(value):
            raise ValueError(message)
        return value
    return clean


# Every one-line text field: NFKC, spaces collapsed; refused with invisible or
# control characters. Every text area: line ends unified, the rest as written;
# refused with controls or direction overrides.
single_line = _cleaner(normalise_line, unsafe_in_line, UNSAFE_LINE)
multi_line = _cleaner(normalise_block, unsafe_in_block, UNSAFE_BLOCK)


def text_filter(field_class):
    """The cleaning a kind of field gets: text areas ``multi_line``, other
    text fields (emails and links included) ``single_line``; passwords are
    kept exactly as typed and hidden fields have filters of their own."""
    if issubclass(field_class, TextAreaField):
        return multi_line
    if issubclass(field_class, (PasswordField, HiddenField)):
        return None
    if issubclass(field_class, StringField):
        return single_line
    return None


class OurCatalogues:
    """WTForms' translations, read from the app's catalogues in the reader's
    language (Flask-WTF's default reads WTForms' own, which hold no Kyrgyz
    or Uzbek). The messages are listed in form_messages.py. No formatting
    here: WTForms fills the placeholders itself."""

    def gettext(self, string):
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


_OUR_CATALOGUES = OurCatalogues()


class Form(FlaskForm):
    """The base of every form of the app: each text field is cleaned first
    (``text_filter``), before the filters it declares, so that no field can
    forget it; each date or date-time field accepts days from 2000 to 2100
    only (``bounds.SaneDate``, after the checks it declares). tests/test_names.py
    walks every form to hold this. WTForms' own messages come from our
    catalogues (``OurCatalogues``)."""

    class Meta:
        def get_translations(self, form):
            return _OUR_CATALOGUES

        def bind_field(self, form, unbound_field, options):
            cleaner = text_filter(unbound_field.field_class)
            if cleaner is not None:
                declared = tuple(unbound_field.kwargs.get("filters") or ())
                options = {**options, "filters": (cleaner, *declared)}
            if issubclass(unbound_field.field_class, DateTimeField):  # DateField too
                declared = tuple(unbound_field.kwargs.get("validators") or ())
                options = {**options, "validators": (*declared, SaneDate())}
            return super().bind_field(form, unbound_field, options)


class NotImpersonating:
    """A name people see (a display name, a club's, a walk-in's) may not
    read as a staff title or the programme's name (``text.imitates_staff``):
    refused when typed, except by the site's staff and for the name a person
    or the edited object already has."""

    message = _l("This name looks like a title of the site’s staff or the name of hrdebate, "
                 "so that others could take you for them. Please choose another.")

    def __call__(self, form, field):
        name = field.data or ""
        if current_user.is_authenticated and (
                current_user.is_site_moderator or name == current_user.display_name
                or name == field.object_data):
            return
        if imitates_staff(name):
            raise ValidationError(self.message)


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


def is_plain_address(value: str | None) -> bool:
    """``value`` is an address we mail to (``EMAIL_RE``, at most 64
    characters before the "@" and 254 in all)."""
    return bool(value) and len(value) <= EMAIL_MAX \
        and EMAIL_RE.fullmatch(value) is not None \
        and len(value.rpartition("@")[0]) <= LOCAL_PART_MAX


def address_problem(value: str, invalid=_l("Enter a valid email address.")):
    """Why ``value`` is not an address we accept (a translated message), or
    None. Letters beyond Latin get their own answer: the person can
    usually type the same mailbox in Latin letters, and is told so rather
    than have the address changed behind their back."""
    if is_plain_address(value):
        return None
    if not value.isascii() and "@" in value:
        return NOT_LATIN_EMAIL
    return invalid


class Email:
    """A required address (``address_problem``)."""

    def __call__(self, form, field):
        field.data = (field.data or "").strip()
        problem = address_problem(field.data)
        if problem:
            raise ValidationError(problem)


class OptionalEmail:
    """An address or nothing (None)."""

    def __call__(self, form, field):
        value = (field.data or "").strip()
        field.data = value or None
        user = getattr(form, "user", None)
        if user is not None and value == user.email:
            return  # kept as stored (an older address): the rest of the form saves
        if value:
            problem = address_problem(
                value, invalid=_l("Enter a valid email address, or leave it empty."))
            if problem:
                raise ValidationError(problem)


def email_field() -> EmailField:
    """The optional address of sign-up and of the profile: one rule, one help text."""
    return EmailField(
        _l("Email (optional)"),
        validators=[OptionalEmail()],
        description=_l("Only for notifications you choose and for a new password if you "
                       "forget yours. We send a link to confirm it. Leave it empty if you "
                       "prefer."),
        render_kw={"autocomplete": "email"},
    )


def render_form(template: str, form, **context):
    """Render a page holding a form: 422 when it was sent with errors."""
    status = 422 if form.is_submitted() and form.errors else 200
    return render_template(template, form=form, **context), status
