"""Translated choice lists shared by forms, models and reports."""

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

REGIONS = {
    "bishkek": _l("Bishkek city"),
    "osh_city": _l("Osh city"),
    "batken": _l("Batken region"),
    "chui": _l("Chüy region"),
    "issyk_kul": _l("Issyk-Kul region"),
    "jalal_abad": _l("Jalal-Abad region"),
    "naryn": _l("Naryn region"),
    "osh": _l("Osh region"),
    "talas": _l("Talas region"),
    "abroad": _l("Outside Kyrgyzstan"),
}

AGE_BANDS = {
    "under_18": _l("Under 18"),
    "18_24": _l("18–24"),
    "25_34": _l("25–34"),
    "35_49": _l("35–49"),
    "50_plus": _l("50 or older"),
}

GENDERS = {
    "woman": _l("Woman"),
    "man": _l("Man"),
    "other": _l("Another gender"),
    "undisclosed": _l("I prefer not to say"),
}

AFFILIATIONS = {
    "student": _l("University student"),
    "pupil": _l("School pupil"),
    "ngo": _l("NGO member"),
    "teacher": _l("Teacher or lecturer"),
    "other": _l("Other"),
}

SITE_ROLES = ("citizen", "moderator", "admin")


def as_choices(mapping: dict, blank=None) -> list[SelectChoice]:
    """WTForms choices from a mapping, optionally led by a blank option."""
    choices = [SelectChoice(value, label) for value, label in mapping.items()]
    return [SelectChoice("", blank)] + choices if blank is not None else choices
