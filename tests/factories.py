"""Rows for tests, written straight to the database of a given app.

conftest.py hands each factory out as a fixture bound to the test's ``app``
(``make_user``, ``make_club``, ``make_event``, ``make_comment``,
``make_registration``, ``make_vote``). A test with an app of its own (a
rate-limited one, say) builds ``Rows(its_app)`` and calls the same methods.

Every factory commits and returns the row detached from its session, with
its columns loaded (read ``.id``, ``.status``...; relationships are not
loaded)."""

import itertools
from datetime import datetime, timedelta

from hrdebate.extensions import db
from hrdebate.models import Club, Comment, Membership, Registration, User, Vote, utcnow

PASSWORD = "correct horse battery"


class Rows:
    def __init__(self, app):
        self.app = app
        self._numbers = {}

    def _next(self, kind: str) -> int:
        return next(self._numbers.setdefault(kind, itertools.count(1)))

    def _save(self, row):
        db.session.add(row)
        db.session.commit()
        db.session.refresh(row)
        db.session.expunge(row)
        return row

    def user(self, username=None, password=PASSWORD, **fields):
        """``user(username="aziza", site_role="admin", ...)``."""
        n = self._next("user")
        if fields.get("email") and "email_verified_at" not in fields:
            fields["email_verified_at"] = utcnow()  # confirmed, unless a test says not
        with self.app.app_context():
            user = User(
                username=username or f"user{n}",
                display_name=fields.pop("display_name", f"Person {n}"),
                **fields,
            )
            user.set_password(password)
            return self._save(user)

    def club(self, owner=None, organisers=(), moderators=(), **fields):
        """``club(owner=user, slug="osh-club", verified=True, ...)``;
        ``organisers`` and ``moderators`` take lists of users."""
        n = self._next("club")
        with self.app.app_context():
            club = Club(
                slug=fields.pop("slug", f"club-{n}"),
                name=fields.pop("name", f"Club {n}"),
                club_type=fields.pop("club_type", "university_club"),
                city=fields.pop("city", "Bishkek"),
                region=fields.pop("region", "bishkek"),
                **fields,
            )
            club.refresh_search_key()
            members = [(owner, "owner")] if owner else []
            members += [(u, "organiser") for u in organisers]
            members += [(u, "moderator") for u in moderators]
            for user, role in members:
                club.memberships.append(Membership(user_id=user.id, role=role))
            return self._save(club)

    def event(self, club, kind="debate", status="published", starts_in=timedelta(days=3),
              duration=timedelta(hours=2), topics=(), **fields):
        """``event(club, kind="debate", status="published",
        starts_in=timedelta(days=3), topics=["women"], ...)``; other fields
        (``voting_state``, a judgement...) are set as given."""
        from hrdebate.events.services import EDITABLE_FIELDS, _apply
        from hrdebate.models import Event

        n = self._next("event")
        starts_at = fields.pop("starts_at", utcnow() + starts_in)
        data = {
            "kind": kind, "title": f"Event {n}", "summary": f"Summary {n}", "description": "",
            "starts_at": starts_at, "ends_at": fields.pop("ends_at", starts_at + duration),
            "venue": "Main hall", "region": club.region, "language": "ru",
            "motion": "This house would lower the voting age to 16" if kind == "debate" else None,
            "case_title": "Applicant v. Kyrgyz Republic" if kind == "moot_court" else None,
            "goal": "A ramp at the school entrance" if kind == "civic_project" else None,
            **fields,
        }
        with self.app.app_context():
            event = Event(club=db.session.get(Club, club.id), status=status)
            db.session.add(event)
            _apply(event, data, list(topics))
            for name, value in data.items():  # state such as voting_state or a judgement
                if name not in EDITABLE_FIELDS:
                    setattr(event, name, value)
            if status != "draft":
                event.published_at = utcnow()
            return self._save(event)

    def comment(self, event, author, body="A comment", status="published", parent=None,
                stance=None, **fields):
        """``comment(event, author, body="…", status="pending",
        held_for="pre_moderation", parent=top, stance="for", ...)``. A reply
        sits one level under its parent; ``body_html`` is rendered from the
        body unless given; ``author`` may be None (an erased account)."""
        from hrdebate.text import render_markdown

        with self.app.app_context():
            comment = Comment(
                event_id=event.id, author_id=author.id if author else None, body=body,
                body_html=fields.pop("body_html") if "body_html" in fields else render_markdown(body),
                status=status, stance=stance, parent_id=parent.id if parent else None,
                depth=parent.depth + 1 if parent else 1, **fields,
            )
            return self._save(comment)

    def registration(self, event, user=None, status="registered", checked_in=False,
                     source="online", **fields):
        """``registration(event, user, status="waitlisted")``; a walk-in:
        ``registration(event, source="walk_in", walk_in_name="Guest",
        checked_in=True)``. ``checked_in`` (True, or the moment as a datetime)
        checks the person in as the check-in desk does, so an account holder
        gets a certificate code; ``checked_in_by_id`` names who did it."""
        by_id = fields.pop("checked_in_by_id", None)
        with self.app.app_context():
            registration = Registration(
                event_id=event.id, user_id=user.id if user else None, status=status,
                source=source, **fields,
            )
            if checked_in:
                registration.check_in(
                    by_id, checked_in if isinstance(checked_in, datetime) else utcnow())
            return self._save(registration)

    def vote(self, event, user, phase, choice):
        """``vote(event, user, "before", "for")``."""
        with self.app.app_context():
            return self._save(Vote(event_id=event.id, user_id=user.id if user else None,
                                   phase=phase, choice=choice))
