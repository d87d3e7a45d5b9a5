"""The moderators' daily digest (hrdebate/periodic/digest.py): only to those
with something waiting for them, once a Bishkek day from 8 o'clock, counted
as the queue counts, and dropped when the queue emptied before it left."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hrdebate.extensions import db
from hrdebate.jobs import run_due
from hrdebate.mail.compose import compose
from hrdebate.models import Comment, Flag, MailOptOut, OutboxMail, User, utcnow
from hrdebate.moderation.queue import pending_count
from hrdebate.moderation.queue import waiting_for
from tests.helpers import deliver_mail

pytestmark = pytest.mark.usefixtures("mailing")  # mail on, to the console

BISHKEK = ZoneInfo("Asia/Bishkek")


def bishkek(day_offset, hour, minute=0):
    """An instant ``day_offset`` Bishkek days from today at ``hour``:``minute``."""
    today = utcnow().astimezone(BISHKEK).date()
    return datetime.combine(today + timedelta(days=day_offset), time(hour, minute), BISHKEK)


def run(app, now):
    with app.app_context():
        done = run_due(now)
        db.session.remove()
        return done


def digests(app):
    with app.app_context():
        got = db.session.scalars(select(OutboxMail.user_id).where(
            OutboxMail.kind == "digest").order_by(OutboxMail.id)).all()
        db.session.remove()
        return list(got)


def text_of(app, user):
    """The text of ``user``'s latest digest as it would leave now (None: dropped)."""
    with app.app_context():
        mail = db.session.scalars(select(OutboxMail).where(
            OutboxMail.user_id == user.id, OutboxMail.kind == "digest")
            .order_by(OutboxMail.id.desc()).limit(1)).one()
        message = compose(mail)
        db.session.remove()
    if message is None:
        return None
    return message["Subject"], message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def world(make_user, make_club, make_event):
    class World:
        pass

    w = World()
    w.site_mod = make_user("sitemod", site_role="moderator", email="sm@example.org", locale="en")
    w.admin = make_user("admin", site_role="admin", email="admin@example.org", locale="en")
    w.club_mod = make_user("clubmod", email="cm@example.org", locale="en")
    w.citizen = make_user("citizen", email="citizen@example.org", locale="en")
    w.author = make_user("author")
    w.ours = make_club(moderators=[w.club_mod], slug="ours")
    w.theirs = make_club(slug="theirs")
    w.our_event = make_event(w.ours)
    w.their_event = make_event(w.theirs)
    return w


def test_only_moderators_with_something_waiting_get_one(app, world, make_comment):
    run(app, bishkek(1, 8, 30))
    assert digests(app) == []  # nothing waits: no mail
    make_comment(world.their_event, world.author, status="pending", held_for="pre_moderation")
    run(app, bishkek(2, 8, 30))
    # The held comment is on another club's event: not the club moderator's.
    assert sorted(digests(app)) == sorted([world.site_mod.id, world.admin.id])
    subject, text = text_of(app, world.site_mod)
    assert subject == "1 item waits for review on hrdebate"
    assert "1 pending comment" in text and "flagged" not in text
    assert "Open the moderation queue: https://hrdebate.test/moderation/" in text


def test_once_a_bishkek_day_from_eight(app, world, make_comment):
    make_comment(world.their_event, world.author, status="pending", held_for="pre_moderation")
    run(app, bishkek(1, 7, 59))
    assert digests(app) == []  # not before 8
    run(app, bishkek(1, 8, 0))
    run(app, bishkek(1, 8, 1))
    run(app, bishkek(1, 23, 59))
    assert len(digests(app)) == 2  # the site moderator's and the admin's
    run(app, bishkek(2, 8, 5))  # the next Bishkek day, still waiting: again
    assert len(digests(app)) == 4


def test_counts_by_kind_as_the_queue_counts(app, world, make_comment, rows):
    make_comment(world.our_event, world.author, status="pending", held_for="pre_moderation")
    make_comment(world.our_event, world.author, open_flags=1)
    make_comment(world.our_event, world.author, body="second", open_flags=1)
    with app.app_context():
        for comment in db.session.scalars(select(Comment).where(Comment.open_flags == 1)):
            db.session.add(Flag(comment_id=comment.id, reporter_id=world.citizen.id,
                                reason="spam"))
        db.session.commit()
    now = utcnow()
    # Two appeals: one against the club moderator's own rejection (another
    # moderator decides it), one against the site moderator's.
    make_comment(world.our_event, world.author, status="rejected", body="a1",
                 decided_by_id=world.club_mod.id, appealed_at=now)
    make_comment(world.our_event, world.author, status="rejected", body="a2",
                 decided_by_id=world.site_mod.id, appealed_at=now)
    with app.app_context():
        for person in (world.club_mod, world.site_mod, world.admin, world.citizen):
            user = db.session.get(User, person.id)
            assert sum(waiting_for(user).values()) == pending_count(user)
        assert waiting_for(db.session.get(User, world.club_mod.id)) == {
            "pending": 1, "flagged": 2, "appeals": 1}
    run(app, bishkek(1, 9))
    assert sorted(digests(app)) == sorted([world.site_mod.id, world.admin.id, world.club_mod.id])
    subject, text = text_of(app, world.club_mod)
    assert subject == "4 items wait for review on hrdebate"
    assert "1 pending comment\n2 flagged comments\n1 appeal\n" in text


def test_refused_banned_or_unconfirmed_get_none(app, world, make_comment, make_user):
    make_comment(world.their_event, world.author, status="pending", held_for="pre_moderation")
    make_user("banned", site_role="moderator", email="b@example.org", banned=True)
    make_user("unconfirmed", site_role="moderator", email="u@example.org",
              email_verified_at=None)
    with app.app_context():
        db.session.add(MailOptOut(user_id=world.admin.id, kind="digest"))
        db.session.commit()
    run(app, bishkek(1, 8, 30))
    assert digests(app) == [world.site_mod.id]


def test_dropped_when_the_queue_emptied_before_it_left(app, world, make_comment):
    comment = make_comment(world.their_event, world.author, status="pending",
                           held_for="pre_moderation")
    run(app, bishkek(1, 8, 30))
    assert len(digests(app)) == 2
    with app.app_context():
        db.session.get(Comment, comment.id).status = "published"  # approved meanwhile
        db.session.commit()
    report = deliver_mail(app)
    assert report["dropped"] == 2 and report["sent"] == 0


def test_in_the_moderators_language(app, world, make_comment, make_user):
    russian = make_user("russian", site_role="moderator", email="ru@example.org", locale="ru")
    for n in range(3):
        make_comment(world.their_event, world.author, body=f"held {n}", status="pending",
                     held_for="pre_moderation")
    run(app, bishkek(1, 8, 30))
    _subject, text = text_of(app, russian)
    assert "3 комментария ждут проверки" in text  # the queue page's own words
