"""Human-rights themes. Names are translated in code; the table holds the
stable slug and the UDHR articles each theme concerns."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

# slug: (name, UDHR articles). The order is the display order.
TOPICS = {
    "expression": (_l("Freedom of expression and media"), "19"),
    "minorities": (_l("Minority rights"), "2, 7, 27"),
    "women": (_l("Women's rights"), "2, 16"),
    "children": (_l("Children's rights"), "25, 26"),
    "disability": (_l("Rights of persons with disabilities"), "2, 7, 25"),
    "education": (_l("Right to education"), "26"),
    "fair-trial": (_l("Fair trial"), "10, 11"),
    "torture": (_l("Freedom from torture"), "5"),
    "assembly": (_l("Assembly and association"), "20"),
    "religion": (_l("Freedom of religion and belief"), "18"),
    "privacy": (_l("Privacy"), "12"),
    "non-discrimination": (_l("Equality and non-discrimination"), "1, 2, 7"),
    "labour": (_l("Labour rights"), "23, 24"),
    "environment": (_l("Healthy environment"), "3, 25"),
    "participation": (_l("Participation in government"), "21"),
}

event_topics = Table(
    "event_topics",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Topic(db.Model):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    udhr_articles: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Topic {self.slug!r}>"

    @property
    def name(self):
        return TOPICS[self.slug][0] if self.slug in TOPICS else self.slug


def seed_topics() -> None:
    """Add the themes that are missing (the caller commits); used by the demo
    and the tests, on databases built without the migrations."""
    existing = set(db.session.scalars(db.select(Topic.slug)))
    for position, (slug, (_name, articles)) in enumerate(TOPICS.items()):
        if slug not in existing:
            db.session.add(Topic(slug=slug, udhr_articles=articles, position=position))
    db.session.flush()
