"""The turnout dashboard's aggregates (``turnout.aggregates``): what the
dashboard would otherwise count in a million registrations on every
request. Kept in step with the registrations by the write path, in the
writing transaction (``turnout.aggregates.refresh``); ``flask turnout
rebuild`` computes them all again from the registrations.

- ``TurnoutEvent``: each event's registrations (registered online,
  waitlisted, attended online, walk-ins), whatever the event's state, beside
  a copy of the event's columns the dashboard filters by.
- ``TurnoutVisit``: how many attendances (a published event, checked in)
  a person has in a group: a club (0: every club) and a period ('' the whole
  programme, 'YYYY-MM' a month, 'YYYY-Qn' a quarter, Bishkek time). A person
  is their account id, or minus the registration's id (a walk-in, or an
  account that was deleted), as in ``turnout.queries``.
- ``TurnoutGroup``: per group, the people with one attendance or more
  (unique) and with two or more (repeat).
- ``TurnoutPerson``: the answers a person counts with in the demographic
  tables (consent, record key, age band, gender, affiliation), as last
  counted.
- ``TurnoutCell``: per quarter group, the consenting people by answer, with
  the sum of their record keys (the cell-key method, ``turnout.perturbation``);
  dimension ``total`` counts all of them.

Nothing here is shown to anyone as it is: the dashboard passes the
demographic cells through the same noise and small-group rule as before.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import UTCDateTime
from ..extensions import db

ALL_CLUBS = 0   # the club_id of a group of every club
ALL_TIME = ""   # the period of a group of the whole programme


class TurnoutEvent(db.Model):
    """One row per event: a narrow copy of what the dashboard filters and
    groups events by (status, club, kind, region, start, end, and the month
    of its start in Bishkek time), and its registrations."""

    __tablename__ = "turnout_events"
    # Every column the dashboard reads, in the order it filters and groups
    # by: its statements read this index alone, in the order of its lines.
    __table_args__ = (Index("ix_turnout_events_figures", "status", "club_id", "month", "ends_at",
                            "starts_at", "kind", "region", "registered", "waitlisted",
                            "attended_online", "walk_ins"),)

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    club_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    region: Mapped[str] = mapped_column(String(12))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    month: Mapped[str] = mapped_column(String(7))
    registered: Mapped[int] = mapped_column(Integer, default=0)        # online, registered
    waitlisted: Mapped[int] = mapped_column(Integer, default=0)
    attended_online: Mapped[int] = mapped_column(Integer, default=0)
    walk_ins: Mapped[int] = mapped_column(Integer, default=0)          # walk-ins checked in


class TurnoutVisit(db.Model):
    __tablename__ = "turnout_visits"

    club_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    person: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False,
                                        index=True)
    n: Mapped[int] = mapped_column(Integer)


class TurnoutGroup(db.Model):
    __tablename__ = "turnout_groups"

    club_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    unique: Mapped[int] = mapped_column(Integer, default=0)
    repeat: Mapped[int] = mapped_column(Integer, default=0)


class TurnoutPerson(db.Model):
    __tablename__ = "turnout_persons"

    person: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    consented: Mapped[bool] = mapped_column(default=False)
    record_key: Mapped[int] = mapped_column(SmallInteger, default=0)
    age_band: Mapped[str | None] = mapped_column(String(10))
    gender: Mapped[str | None] = mapped_column(String(12))
    affiliation: Mapped[str | None] = mapped_column(String(10))


class TurnoutCell(db.Model):
    __tablename__ = "turnout_cells"

    club_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(12), primary_key=True)
    key: Mapped[str] = mapped_column(String(12), primary_key=True)  # '' for no answer
    n: Mapped[int] = mapped_column(Integer, default=0)
    key_sum: Mapped[int] = mapped_column(Integer, default=0)
