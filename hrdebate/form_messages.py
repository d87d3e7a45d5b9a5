"""The messages WTForms writes itself (a required field left empty, a text
too long, a number or a date it cannot read, a choice not offered...), listed
once so that extraction (`flask i18n update`) puts them in our catalogues:
WTForms ships no Kyrgyz or Uzbek, and the forms read every message from our
catalogues (``forms.Form.Meta.get_translations``), so each must be there.

The msgids are WTForms 3's own, letter for letter (wtforms/validators.py and
wtforms/fields/); a message WTForms changes in a new version shows in English
until it is listed here. Left out: what only a programming error shows
("Invalid field name '%s'.", "Choices cannot be None."), the CSRF messages of
wtforms.csrf.session (the app uses Flask-WTF's) and Flask-WTF's own CSRF
reasons, which never pass through gettext: a CSRF failure is answered by
``errors.CSRF_MESSAGE``."""


def gettext(message):
    """A marker for extraction: the message, untranslated."""
    return message


def ngettext(singular, plural):
    """A marker for extraction: both forms of a plural message, untranslated."""
    return singular, plural


MESSAGES = (
    # validators
    gettext("This field is required."),
    gettext("Invalid input."),
    gettext("Field must be equal to %(other_name)s."),
    ngettext("Field must be at least %(min)d character long.",
             "Field must be at least %(min)d characters long."),
    ngettext("Field cannot be longer than %(max)d character.",
             "Field cannot be longer than %(max)d characters."),
    ngettext("Field must be exactly %(max)d character long.",
             "Field must be exactly %(max)d characters long."),
    gettext("Field must be between %(min)d and %(max)d characters long."),
    gettext("Number must be at least %(min)s."),
    gettext("Number must be at most %(max)s."),
    gettext("Number must be between %(min)s and %(max)s."),
    gettext("Date must be at least %(min)s."),
    gettext("Date must be at most %(max)s."),
    gettext("Date must be between %(min)s and %(max)s."),
    gettext("Invalid email address."),
    gettext("Invalid IP address."),
    gettext("Invalid Mac address."),
    gettext("Invalid URL."),
    gettext("Invalid UUID."),
    gettext("Invalid value, must be one of: %(values)s."),
    gettext("Invalid value, can't be any of: %(values)s."),
    gettext("This field cannot be edited."),
    gettext("This field is disabled and cannot have a value."),
    # fields that read what was typed
    gettext("Not a valid choice."),
    gettext("Invalid Choice: could not coerce."),
    gettext("Invalid choice(s): one or more data inputs could not be coerced."),
    ngettext("'%(value)s' is not a valid choice for this field.",
             "'%(value)s' are not valid choices for this field."),
    gettext("Not a valid datetime value."),
    gettext("Not a valid date value."),
    gettext("Not a valid time value."),
    gettext("Not a valid week value."),
    gettext("Not a valid integer value."),
    gettext("Not a valid decimal value."),
    gettext("Not a valid float value."),
)
