"""Fixed lists shared by models, forms and templates: each is one
``Labelled`` enumeration whose members are the stored values and carry their
translated label. Models build their CHECK constraints from it, forms their
choices (``Kind.choices()``), templates their words (``Kind(code).label``;
every enumeration is a template global under its class name)."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice


class Labelled(StrEnum):
    """``DEBATE = "debate", _l("Debate")``: the value, then its label."""

    def __new__(cls, value: str, label=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label if label is not None else value
        return member

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)

    @classmethod
    def labels(cls) -> dict[str, object]:
        return {member.value: member.label for member in cls}

    @classmethod
    def choices(cls, blank=None) -> list[SelectChoice]:
        return as_choices(cls.labels(), blank)

    @classmethod
    def label_of(cls, value: str | None) -> str:
        """The label of a stored value; an unknown one is shown as it is."""
        try:
            return cls(value).label
        except ValueError:
            return value or ""


def all_labelled() -> dict[str, type[Labelled]]:
    """Every enumeration defined so far, by class name (for templates)."""
    found, todo = {}, [Labelled]
    while todo:
        for cls in todo.pop().__subclasses__():
            found[cls.__name__] = cls
            todo.append(cls)
    return found

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
