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
        """The form's options, optionally led by a blank one. A member that
        says what the blank says (``Gender.UNDISCLOSED`` after "I prefer not
        to say") is not offered a second time: the blank stands for it. Its
        value stays valid, so answers stored with it still count."""
        labels = cls.labels()
        if blank is not None:
            labels = {value: label for value, label in labels.items()
                      if str(label) != str(blank)}
        return as_choices(labels, blank)

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


class Region(Labelled):
    """Where a club, an event or a person is: Kyrgyzstan's regions and its two
    cities of republican significance."""

    BISHKEK = "bishkek", _l("Bishkek city")
    OSH_CITY = "osh_city", _l("Osh city")
    BATKEN = "batken", _l("Batken region")
    CHUI = "chui", _l("Chüy region")
    ISSYK_KUL = "issyk_kul", _l("Issyk-Kul region")
    JALAL_ABAD = "jalal_abad", _l("Jalal-Abad region")
    NARYN = "naryn", _l("Naryn region")
    OSH = "osh", _l("Osh region")
    TALAS = "talas", _l("Talas region")
    ABROAD = "abroad", _l("Outside Kyrgyzstan")


class AgeBand(Labelled):
    """Self-declared, optional demographics (DESIGN §8)."""

    UNDER_18 = "under_18", _l("Under 18")
    FROM_18_TO_24 = "18_24", _l("18–24")
    FROM_25_TO_34 = "25_34", _l("25–34")
    FROM_35_TO_49 = "35_49", _l("35–49")
    FROM_50 = "50_plus", _l("50 or older")


class Gender(Labelled):
    WOMAN = "woman", _l("Woman")
    MAN = "man", _l("Man")
    OTHER = "other", _l("Another gender")
    UNDISCLOSED = "undisclosed", _l("I prefer not to say")


class Affiliation(Labelled):
    STUDENT = "student", _l("University student")
    PUPIL = "pupil", _l("School pupil")
    NGO = "ngo", _l("NGO member")
    TEACHER = "teacher", _l("Teacher or lecturer")
    OTHER = "other", _l("Other")


class SiteRole(Labelled):
    """A person's role on the whole site (DESIGN §4); club roles are
    ``models.club.MemberRole``. Stored as is; shown only to admins."""

    CITIZEN = "citizen"
    MODERATOR = "moderator"
    ADMIN = "admin"


def as_choices(mapping: dict, blank=None) -> list[SelectChoice]:
    """WTForms choices from a mapping, optionally led by a blank option."""
    choices = [SelectChoice(value, label) for value, label in mapping.items()]
    return [SelectChoice("", blank)] + choices if blank is not None else choices
