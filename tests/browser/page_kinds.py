"""Every kind of page, as each role of the demo site opens it.

One list for the checks that must hold on every page (no sideways scroll at
360 px, the accessibility audit): a new page kind is added here once and
every such check covers it, for every role that can open it.

``page_kinds(app)`` needs the demo site seeded (``flask seed-demo``, see
``seed_demo`` in tests/browser/conftest.py). It returns, per role, the demo
account to log in as (None: anonymous) and the page kinds that role can open,
by name. Roles add to the one before (an organiser sees what a citizen sees,
and the pages of their club), except that the moderator and the admin manage
no club; they see the site's moderation pages instead.
"""

from dataclasses import dataclass, field

from hrdebate.extensions import db

# What the demo lacks and a phone finds hardest: a long link without a place
# to break (the demo's events have no online link), and a long name.
ONLINE_URL = ("https://meet.example.org/hrdebate/auca-human-rights-club/"
              "online-debate-real-names-social-networks-verification-2026")
LONG_NAME = "Нурбүбүжылдызкангүлзаркүмүшайымбекмамбетовакызы"
# The organiser owns this club.
CLUB = "auca-human-rights-club"
# Pages that answer with an error on purpose, and their status.
EXPECTED_STATUS = {"not found": 404}


@dataclass
class Role:
    name: str
    username: str | None  # None: not signed in
    pages: dict[str, str] = field(default_factory=dict)  # page kind -> URL


def add_long_content(app) -> None:
    """Give the first upcoming published debate an online link, the first
    walk-in at the organiser's club a long name, and the author of each
    event's first comment a long display name of one word (60 letters, the
    most a name may have), so that pages show them."""
    from hrdebate.models import Club, Comment, Event, Registration, User, utcnow

    with app.app_context():
        event = db.session.scalars(
            db.select(Event).where(Event.kind == "debate", Event.status == "published",
                                   Event.starts_at > utcnow()).order_by(Event.starts_at)).first()
        event.online_url = ONLINE_URL
        walk_in = db.session.scalars(
            db.select(Registration).join(Registration.event).join(Event.club)
            .where(Registration.walk_in_name.is_not(None), Club.slug == CLUB)
            .order_by(Event.starts_at, Registration.id)).first()
        walk_in.walk_in_name = LONG_NAME
        first_comments = db.select(db.func.min(Comment.id)).group_by(Comment.event_id)
        authors = db.select(Comment.author_id).where(Comment.id.in_(first_comments))
        for user in db.session.scalars(db.select(User).where(User.id.in_(authors))):
            user.display_name = "Ё" * 60
        db.session.commit()


def page_kinds(app) -> dict[str, Role]:
    """The roles by name (anonymous, citizen, organiser, moderator, admin)."""
    from hrdebate.certificates.services import eligible
    from hrdebate.models import Club, Comment, Event, Registration, User, utcnow

    with app.app_context():
        select, scalar = db.select, db.session.scalar
        now = utcnow()
        events = db.session.scalars(select(Event).order_by(Event.starts_at)).all()
        club = scalar(select(Club).where(Club.slug == CLUB))

        def event(kind=None, status="published", upcoming=None, own=False, test=None):
            return next(e.id for e in events if (kind is None or e.kind == kind)
                        and e.status == status and (upcoming is None or (e.starts_at > now) == upcoming)
                        and (not own or e.club_id == club.id) and (test is None or test(e)))

        held = event(own=True, upcoming=False)
        code = scalar(  # a certificate that stands: the event is over
            select(Registration.certificate_code).join(Registration.event)
            .where(Registration.certificate_code.is_not(None),
                   Registration.certificate_revoked_at.is_(None),
                   eligible(Registration, Event, now)).order_by(Registration.id).limit(1))
        citizen = scalar(select(User).where(User.username == "citizen"))
        comment = scalar(select(Comment.id).where(Comment.status == "published")
                         .order_by(Comment.id).limit(1))

        anonymous = {
            "home": "/",
            "event list": "/events/",
            "event list, filtered": "/events/?kind=debate&region=bishkek&when=past",
            "event list, search": "/events/?q=%D0%9E%D1%88",  # Ош
            "debate, results": f"/events/{event('debate', upcoming=False)}",
            "debate, online link and vote": f"/events/{event('debate', test=lambda e: e.online_url)}",
            "moot court": f"/events/{event('moot_court', upcoming=False)}",
            "civic project": f"/events/{event('civic_project')}",
            "cancelled event": f"/events/{event(status='cancelled')}",
            "clubs": "/clubs/",
            "club": f"/clubs/{club.slug}",
            "topics": "/topics/",
            "topic": "/topics/women",
            "certificate": f"/certificates/{code}",
            "conduct": "/conduct",
            "privacy": "/privacy",
            "log in": "/auth/login",
            "register": "/auth/register",
            "not found": "/no-such-page",
        }
        signed_in = {
            **{k: v for k, v in anonymous.items() if k not in ("log in", "register")},
            "notifications": "/notifications/",
            "my events": "/me/events",
            "account": "/account/",
            "delete account": "/account/delete",
            "new club": "/clubs/new",
            "flag comment": f"/comments/{comment}/flag",
        }
        citizen_pages = {**signed_in, "leave club": f"/clubs/{club.slug}/leave"}
        organiser_pages = {
            **signed_in,
            "draft event": f"/events/{event(status='draft', own=True)}",
            "club members": f"/clubs/{club.slug}/members",
            "edit club": f"/clubs/{club.slug}/edit",
            "new event": f"/events/new?club={club.slug}",
            "edit event": f"/events/{held}/edit",
            "cancel event": f"/events/{event(own=True, upcoming=True)}/cancel",
            "attendance": f"/events/{held}/attendance",
            "check-in": f"/events/{held}/checkin",
            "check-in code": f"/events/{held}/checkin/qr",
            "turnout": "/turnout/",
            "judgement": f"/events/{event('moot_court', own=True)}/judgement",
        }
        moderator_pages = {
            **signed_in,
            "moderation queue": "/moderation/",
            "moderation log": "/moderation/log",
            "moderation, person": f"/moderation/users/{citizen.id}",
        }
        # The admin may manage every club: the organiser's pages too.
        admin_pages = {**organiser_pages, **moderator_pages, "watched words": "/moderation/words",
                       "admin": "/admin/", "admin, people": "/admin/users?q=a",
                       "admin, person": f"/admin/users/{citizen.id}",
                       "admin, clubs": "/admin/clubs?status=all",
                       "refuse club": f"/clubs/{club.slug}/refuse"}
    return {
        "anonymous": Role("anonymous", None, anonymous),
        "citizen": Role("citizen", "citizen", citizen_pages),
        "organiser": Role("organiser", "organiser", organiser_pages),
        "moderator": Role("moderator", "moderator", moderator_pages),
        "admin": Role("admin", "admin", admin_pages),
    }
