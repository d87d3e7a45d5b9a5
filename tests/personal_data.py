"""A person with one row of every kind the site holds about someone, and a
second person with rows of their own, for the export and erasure tests.

Every text that belongs to the person is unique to the test run (a random
tag), so a test can look for it anywhere: in the export, in the tables, in
the database's raw bytes."""

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from hrdebate.extensions import db
from hrdebate.models import (
    ClubFollow,
    Comment,
    Flag,
    ModerationAction,
    ProgressUpdate,
    User,
    utcnow,
)
from hrdebate.moderation import services as moderation
from hrdebate.notifications.services import notify


@dataclass
class Person:
    id: int
    username: str
    display_name: str
    email: str
    # What the person wrote, which deletion erases.
    comment: str
    appeal: str
    flag_note: str
    # Row ids, by the export's section names.
    rows: dict[str, set] = field(default_factory=dict)

    @property
    def secrets(self) -> dict[str, str]:
        """Every string that must be gone once the account is deleted."""
        return {"username": self.username, "display_name": self.display_name,
                "email": self.email, "comment": self.comment, "appeal": self.appeal,
                "flag_note": self.flag_note}


def _tag() -> str:
    return secrets.token_hex(5)


def build(app, rows, name: str = "vera") -> tuple[Person, Person, dict]:
    """(person, other, extra): ``person`` has a row of every kind;
    ``other`` is another person who wrote, flagged and was moderated too;
    ``extra`` holds the moderator, the clubs and events."""
    tag = _tag()
    person_user = rows.user(f"{name}{tag}", display_name=f"Вера-{tag}",
                            email=f"{name}-{tag}@example.org")
    other_tag = _tag()
    other_user = rows.user(f"oleg{other_tag}", display_name=f"Олег-{other_tag}",
                           email=f"oleg-{other_tag}@example.org")
    moderator = rows.user(f"mod{_tag()}", site_role="moderator",
                          display_name=f"Moderator-{_tag()}")
    owner = rows.user(f"owner{_tag()}", display_name=f"Owner-{_tag()}")

    club = rows.club(owner=owner, organisers=[person_user])
    own_club = rows.club(owner=person_user)
    debate = rows.event(club)
    project = rows.event(club, kind="civic_project", starts_in=-timedelta(days=3))

    person = Person(id=person_user.id, username=person_user.username,
                    display_name=person_user.display_name, email=person_user.email,
                    comment=f"my-comment-{tag}", appeal=f"my-appeal-{tag}",
                    flag_note=f"my-flag-note-{tag}")
    other = Person(id=other_user.id, username=other_user.username,
                   display_name=other_user.display_name, email=other_user.email,
                   comment=f"other-comment-{other_tag}", appeal=f"other-appeal-{other_tag}",
                   flag_note=f"other-flag-note-{other_tag}")

    published = rows.comment(debate, person_user, person.comment)
    rejected = rows.comment(debate, person_user, "a rejected one", status="rejected",
                            decided_by_id=moderator.id, decided_at=utcnow(),
                            decision_reason=f"{person.display_name} insults",
                            appeal_message=person.appeal,
                            appealed_at=utcnow())
    others_comment = rows.comment(debate, other_user, other.comment)
    registration = rows.registration(project, person_user, checked_in=True,
                                     checked_in_by_id=owner.id)
    others_registration = rows.registration(project, other_user, checked_in=True,
                                            checked_in_by_id=person_user.id)
    vote = rows.vote(debate, person_user, "before", "for")

    with app.app_context():
        session = db.session
        mine = Flag(comment_id=others_comment.id, reporter_id=person.id, reason="spam",
                    note=person.flag_note)
        theirs = Flag(comment_id=published.id, reporter_id=other.id, reason="harassment",
                      note=other.flag_note)
        follow = ClubFollow(user_id=person.id, club_id=club.id)
        update = ProgressUpdate(event_id=project.id, author_id=person.id,
                                posted_on=utcnow().date(), body="Ramp ordered",
                                body_html="<p>Ramp ordered</p>")
        # The person, as a club moderator, approved someone's comment.
        by_person = ModerationAction(actor_id=person.id, action="approve",
                                     comment_id=others_comment.id, event_id=debate.id,
                                     target_user_id=other.id, reason="fine by me")
        session.add_all([mine, theirs, follow, update, by_person])
        session.flush()
        # A sanction naming the person in its reason, and a decision on the
        # other person's comment that names them too.
        target = session.get(User, person.id)
        moderation.sanction(target, session.get(User, moderator.id), "warn",
                            f"Warned {person.display_name} ({person.username}) for insults")
        moderation.decide(session.get(Comment, others_comment.id),
                          session.get(User, moderator.id), "hide",
                          f"Answered {person.display_name.upper()} rudely")
        notify([person.id], "reply", event_id=debate.id, comment_id=others_comment.id)
        session.commit()
        about_person = set(session.scalars(db.select(ModerationAction.id).where(
            ModerationAction.target_user_id == person.id)))
        notifications = set(session.scalars(db.text(
            "SELECT id FROM notifications WHERE user_id = :id").bindparams(id=person.id)))
        person.rows = {
            "club_memberships": {club.id, own_club.id},  # by club id
            "club_follows": {club.id},  # by club id
            "comments": {published.id, rejected.id},
            "flags": {mine.id},
            "moderation_about_you": about_person,
            "moderation_by_you": {by_person.id},
            "notifications": notifications,
            "registrations": {registration.id},
            "votes": {vote.id},
            "progress_updates": {update.id},
        }
        other.rows = {"comments": {others_comment.id}, "flags": {theirs.id},
                      "registrations": {others_registration.id}}
    extra = {"moderator": moderator, "owner": owner, "club": club, "own_club": own_club,
             "debate": debate, "project": project}
    return person, other, extra
