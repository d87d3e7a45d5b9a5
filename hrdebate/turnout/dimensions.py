"""The turnout breakdowns: one enumeration of the dimensions the dashboard
counts participants by, with the name of each dimension and of its answers."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from ..choices import Affiliation, AgeBand, Gender, Labelled, Region
from ..models import TOPICS, EventKind

NOT_STATED = ""  # the key of the "not stated" cell in every demographic table


def _mapping(labels) -> Mapping[str, object]:
    """A code -> label mapping, from a dict or a ``Labelled`` enumeration."""
    return labels.labels() if isinstance(labels, type) else labels


class TurnoutDimension(Labelled):
    """What participants are counted by. The first three are facts about the
    event, the last three answers people chose to give (DESIGN §8)."""

    KIND = "kind", _l("Kind")
    REGION = "region", _l("Region")
    THEME = "theme", _l("Theme")
    AGE_BAND = "age_band", _l("Age")
    GENDER = "gender", _l("Gender")
    AFFILIATION = "affiliation", _l("Affiliation")

    @classmethod
    def demographic(cls) -> tuple[TurnoutDimension, ...]:
        """The answers people give about themselves: counted only with their
        consent, and only after the small-group rule."""
        return cls.AGE_BAND, cls.GENDER, cls.AFFILIATION

    @property
    def names(self) -> Mapping[str, object]:
        """Each answer's code and translated name, in display order."""
        return _mapping({
            TurnoutDimension.KIND: EventKind,
            TurnoutDimension.REGION: Region,
            TurnoutDimension.THEME: {slug: name for slug, (name, _articles) in TOPICS.items()},
            TurnoutDimension.AGE_BAND: AgeBand,
            TurnoutDimension.GENDER: Gender,
            TurnoutDimension.AFFILIATION: Affiliation,
        }[self])

    def name_of(self, key: str) -> str:
        """The translated name of an answer (a kind, region, theme, age band...)."""
        if key == NOT_STATED:
            return str(_l("Not stated"))
        return str(self.names.get(key, key))
