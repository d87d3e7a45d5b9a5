"""Profile, privacy and account rules. No Flask request objects here; nothing
here commits (the request does, once)."""

from sqlalchemy import update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Comment, Flag, Membership, Registration, User, Vote


def update_profile(user: User, display_name: str, locale: str, email: str | None) -> None:
    user.display_name = display_name
    user.locale = locale
    user.email = email


def give_demographics(user: User, **answers) -> None:
    user.give_demographics(**answers)


def withdraw_demographics(user: User) -> None:
    user.withdraw_demographics()


def change_password(user: User, password: str) -> None:
    """Set a new password and end every session issued so far."""
    user.set_password(password)
    user.end_other_sessions()


def export_data(user: User) -> dict:
    """Everything we hold about ``user``, for the data-export download."""
    memberships = db.session.scalars(
        db.select(Membership).where(Membership.user_id == user.id)
    ).all()
    registrations = db.session.scalars(
        db.select(Registration).options(joinedload(Registration.event))
        .where(Registration.user_id == user.id).order_by(Registration.id)
    ).all()
    votes = db.session.scalars(
        db.select(Vote).where(Vote.user_id == user.id).order_by(Vote.id)
    ).all()

    def when(value):
        return value.isoformat() if value else None

    return {
        "account": {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "locale": user.locale,
            "site_role": user.site_role,
            "created_at": when(user.created_at),
        },
        "demographics": {
            "consent_given_at": when(user.demographics_consent_at),
            **{field: getattr(user, field) for field in User.DEMOGRAPHIC_FIELDS},
        },
        "clubs": [
            {"club": m.club.name, "role": m.role, "since": when(m.created_at)} for m in memberships
        ],
        "registrations": [
            {"event": r.event.title, "event_id": r.event_id, "status": r.status,
             "registered_at": when(r.registered_at), "checked_in_at": when(r.checked_in_at),
             "certificate_code": r.certificate_code}
            for r in registrations
        ],
        "votes": [{"event_id": v.event_id, "phase": v.phase, "choice": v.choice} for v in votes],
    }


def delete_account(user: User) -> None:
    """Erase the account at once (DESIGN §8). What the person wrote is erased
    (comments keep their place in threads as "deleted", flag notes go); rows
    that only count people (turnout, votes) lose their link to the user
    through ON DELETE SET NULL; rows that belong to the person cascade."""
    db.session.execute(
        update(Comment).where(Comment.author_id == user.id)
        .values(status="deleted", body="", body_html="", appeal_message=None)
    )
    db.session.execute(update(Flag).where(Flag.reporter_id == user.id).values(note=None))
    db.session.delete(user)
