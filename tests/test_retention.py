"""Retention (hrdebate/periodic/retention.py): removes exactly what /privacy
promises, on both sides of each boundary, and nothing else; the turnout
report reads the same before and after."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hrdebate.extensions import db
from hrdebate.jobs import run_due
from hrdebate.models import (
    AttendanceChange,
    ClubInvitation,
    Notification,
    OutboxMail,
    Registration,
    utcnow,
)
from hrdebate.periodic.retention import apply_retention
from tests.helpers import page_text

BISHKEK = ZoneInfo("Asia/Bishkek")
DAY = timedelta(days=1)


def run_instant():
    """Tomorrow, 03:30 Bishkek time: when the daily job is due."""
    today = utcnow().astimezone(BISHKEK).date()
    return datetime.combine(today + DAY, time(3, 30), BISHKEK).astimezone(utcnow().tzinfo)


def registrations(app, event):
    """Every column that matters of an event's registrations, by id."""
    columns = ("user_id", "status", "source", "checked_in_at", "checked_in_by_id",
               "walk_in_name", "walk_in_consent", "age_band", "gender", "affiliation",
               "region", "certificate_code", "claim_code", "claimed_by_id", "record_key")
    with app.app_context():
        got = {r.id: {c: getattr(r, c) for c in columns} for r in db.session.scalars(
            select(Registration).where(Registration.event_id == event.id))}
        db.session.remove()
        return got


def ids(app, model, **where):
    with app.app_context():
        query = select(model.id).order_by(model.id)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        got = list(db.session.scalars(query))
        db.session.remove()
        return got


@pytest.fixture
def world(app, make_user, make_club, make_event, rows):
    class World:
        pass

    w = World()
    w.now = run_instant()
    w.admin = make_user("admin", site_role="admin")
    w.organiser = make_user("org")
    w.club = make_club(owner=w.organiser, slug="ours")
    w.people = [make_user(f"p{n}", age_band="18-24", gender="female") for n in range(4)]
    w.holder = make_user("holder")
    w.events = {}
    for label, days in (("old", 181), ("recent", 179)):
        ends_at = w.now - timedelta(days=days)
        event = make_event(w.club, starts_at=ends_at - timedelta(hours=2), ends_at=ends_at,
                           title=f"{label} debate")
        w.events[label] = event
        arrived = event.starts_at + timedelta(minutes=7)
        rows.registration(event, w.people[0], checked_in=arrived,
                          checked_in_by_id=w.organiser.id)
        rows.registration(event, w.people[1], checked_in=arrived)  # self check-in
        rows.registration(event, w.people[2])  # registered, did not come
        rows.registration(event, w.people[3], status="waitlisted")
        rows.registration(event, source="walk_in", walk_in_name=f"Guest {label}",
                          checked_in=arrived, checked_in_by_id=w.organiser.id,
                          walk_in_consent=True, age_band="25-34", gender="male")
        rows.registration(event, source="walk_in", walk_in_name=f"Claimed {label}",
                          checked_in=arrived, checked_in_by_id=w.organiser.id,
                          claimed_by_id=w.holder.id, certificate_code=f"CERT{label}")
        with app.app_context():
            walk_in = db.session.scalars(select(Registration).where(
                Registration.event_id == event.id,
                Registration.walk_in_name == f"Guest {label}")).one()
            db.session.add(AttendanceChange(event_id=event.id, registration_id=walk_in.id,
                                            actor_id=w.organiser.id, action="walk_in",
                                            at=event.ends_at + DAY))
            db.session.commit()
    return w


def turnout(client):
    """The turnout page's text and its CSV, as the admin reads them."""
    page = client.get("/turnout/")
    export = client.get("/turnout/export.csv")
    assert page.status_code == 200 and export.status_code == 200
    return page_text(page.get_data(as_text=True)), export.get_data(as_text=True)


def test_attendance_details_erased_after_the_days_and_turnout_unchanged(app, client, auth,
                                                                        world):
    old, recent = world.events["old"], world.events["recent"]
    auth.login("admin")
    client.get("/")  # the "signed in" message, once
    before = turnout(client)
    assert "old debate" in before[1] and "recent debate" in before[1]
    old_before, recent_before = registrations(app, old), registrations(app, recent)
    with app.app_context():
        log_before = [(c.registration_id, c.actor_id, c.action, c.at)
                      for c in db.session.scalars(select(AttendanceChange))]
        db.session.remove()
    with app.app_context():
        done = run_due(world.now)
        db.session.remove()
    assert done["retention"]["check_ins"] == 4  # old: two people, two walk-ins
    assert done["retention"]["walk_in_names"] == 1

    assert registrations(app, recent) == recent_before  # 179 days: untouched
    old_after = registrations(app, old)
    assert old_after.keys() == old_before.keys()
    for registration_id, row in old_before.items():
        erased = dict(row)
        if row["checked_in_at"] is not None:  # came: still came, at the event's start
            erased["checked_in_at"] = old.starts_at
            erased["checked_in_by_id"] = None
        if row["walk_in_name"] == "Guest old":  # nobody claimed it: no name, no code
            erased["walk_in_name"] = ""
            erased["claim_code"] = None
        assert old_after[registration_id] == erased
    assert any(r["walk_in_name"] == "Claimed old" for r in old_after.values())
    with app.app_context():
        assert [(c.registration_id, c.actor_id, c.action, c.at)
                for c in db.session.scalars(select(AttendanceChange))] == log_before
        db.session.remove()

    assert turnout(client) == before
    # Again: nothing left to erase.
    with app.app_context():
        assert apply_retention(world.now) == {"check_ins": 0, "walk_in_names": 0,
                                              "notifications": 0, "invitations": 0, "mail": 0}
        db.session.remove()


def test_read_notifications_invitations_and_mail(app, make_user, make_club, make_event):
    now = run_instant()
    reader, other = make_user("reader"), make_user("other")
    club = make_club(owner=other)
    event = make_event(club)
    with app.app_context():
        def notification(age, read):
            created = now - timedelta(days=age)
            row = Notification(user_id=reader.id, kind="new_event", event_id=event.id,
                               created_at=created, read_at=created + DAY if read else None)
            db.session.add(row)
            return row

        def invitation(age, status="pending"):
            row = ClubInvitation(club_id=club.id, inviter_id=other.id, invitee_id=reader.id,
                                 role="organiser", status=status,
                                 created_at=now - timedelta(days=age))
            db.session.add(row)
            db.session.flush()  # one pending per club and person at a time
            return row

        def mail(age, status):
            row = OutboxMail(user_id=reader.id, kind="digest", status=status,
                             created_at=now - timedelta(days=age))
            db.session.add(row)
            return row

        read_old = notification(181, read=True)
        kept = [notification(179, read=True), notification(181, read=False),
                notification(400, read=False)]
        expired = invitation(15)
        filed = invitation(20, status="expired")
        answered = invitation(30, status="accepted")
        mail_gone = [mail(31, "sent"), mail(31, "dropped"), mail(91, "failed")]
        mail_kept = [mail(29, "sent"), mail(29, "dropped"), mail(89, "failed"),
                     mail(100, "pending")]
        db.session.commit()
        read_old_id = read_old.id
        kept_ids = [n.id for n in kept]
        expired_id, filed_id, answered_id = expired.id, filed.id, answered.id
        gone_ids = [m.id for m in mail_gone]
        kept_mail_ids = [m.id for m in mail_kept]
        # A second club's invitation, 13 days old: still waiting.
        second = make_club(owner=other, slug="second")
        waiting = ClubInvitation(club_id=second.id, inviter_id=other.id, invitee_id=reader.id,
                                 role="organiser", created_at=now - timedelta(days=13))
        db.session.add(waiting)
        db.session.commit()
        waiting_id = waiting.id

        done = apply_retention(now)
        assert done["notifications"] == 1 and done["invitations"] == 1 and done["mail"] == 3
        db.session.remove()

    assert ids(app, Notification) == sorted(kept_ids)
    assert read_old_id not in ids(app, Notification)
    assert ids(app, ClubInvitation, status="expired") == sorted([expired_id, filed_id])
    assert ids(app, ClubInvitation, status="pending") == [waiting_id]
    assert ids(app, ClubInvitation, status="accepted") == [answered_id]
    assert ids(app, OutboxMail) == sorted(kept_mail_ids)
    assert not set(gone_ids) & set(ids(app, OutboxMail))


def test_privacy_page_tells_the_numbers(app, client, english):
    app.config.update(RETENTION_ATTENDANCE_DAYS=120, RETENTION_READ_NOTIFICATION_DAYS=90,
                      RETENTION_SENT_MAIL_DAYS=30, RETENTION_FAILED_MAIL_DAYS=60,
                      INVITATION_DAYS=14)
    text = page_text(client.get("/privacy").get_data(as_text=True))
    assert "120 days after an event ends" in text
    assert "deleted 90 days after they were sent" in text
    assert "within 14 days expires" in text
    assert "deleted 30 days after it was written" in text
    assert "deleted after 60 days" in text
    assert "not stored anywhere" in text
