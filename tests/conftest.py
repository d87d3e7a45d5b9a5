import os

import pytest
from sqlalchemy import text

from hrdebate import create_app
from hrdebate.extensions import db
from hrdebate.models import Club, Membership, User, seed_topics
from tests.helpers import Client

TEST_DATABASE_URL = os.environ.get("HRDEBATE_TEST_DATABASE_URL")
PASSWORD = "correct horse battery"
_schema_ready = False


def _database_url(tmp_path):
    return TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.sqlite'}"


def make_test_app(tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path),
        # Fast hashes in tests; production uses scrypt.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
        **overrides,
    }
    app = create_app(config)
    app.test_client_class = Client
    return app


def _prepare_schema(app):
    global _schema_ready
    with app.app_context():
        if TEST_DATABASE_URL is None:
            db.create_all()
            seed_topics()
        elif not _schema_ready:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            db.create_all()
            seed_topics()
            _schema_ready = True


def _empty_database(app):
    with app.app_context():
        db.session.remove()
        if TEST_DATABASE_URL is not None:
            # Everything but the seeded themes, which every test shares.
            tables = ", ".join(t.name for t in db.metadata.sorted_tables if t.name != "topics")
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path):
    app = make_test_app(tmp_path)
    _prepare_schema(app)
    yield app
    _empty_database(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Factory: ``make_user(username="aziza", site_role="admin", ...)``."""
    counter = iter(range(1, 1_000_000))

    def make(username=None, password=PASSWORD, **fields):
        n = next(counter)
        with app.app_context():
            user = User(
                username=username or f"user{n}",
                display_name=fields.pop("display_name", f"Person {n}"),
                **fields,
            )
            user.set_password(password)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return make


@pytest.fixture
def english(client):
    """Read pages in English through the language cookie, as a browser keeps
    it (on /events/ and the feeds, ?lang= filters events instead)."""
    client.set_cookie("lang", "en")


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, username, password=PASSWORD, remember=False, next=None):
        data = {"username": username, "password": password}
        if remember:
            data["remember"] = "y"
        url = "/auth/login" + (f"?next={next}" if next else "")
        return self.client.post_form(url, data)

    def logout(self):
        return self.client.post_form("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def make_club(app):
    """Factory: ``make_club(owner=user, slug="osh-club", verified=True, ...)``.
    ``organisers`` and ``moderators`` take lists of users."""
    counter = iter(range(1, 1_000_000))

    def make(owner=None, organisers=(), moderators=(), **fields):
        n = next(counter)
        with app.app_context():
            club = Club(
                slug=fields.pop("slug", f"club-{n}"),
                name=fields.pop("name", f"Club {n}"),
                club_type=fields.pop("club_type", "university_club"),
                city=fields.pop("city", "Bishkek"),
                region=fields.pop("region", "bishkek"),
                **fields,
            )
            for user, role in ([(owner, "owner")] if owner else []) + [
                (u, "organiser") for u in organisers] + [(u, "moderator") for u in moderators]:
                club.memberships.append(Membership(user_id=user.id, role=role))
            db.session.add(club)
            db.session.commit()
            db.session.refresh(club)
            db.session.expunge(club)
        return club

    return make


@pytest.fixture
def make_event(app):
    """Factory: ``make_event(club, kind="debate", status="published",
    starts_in=timedelta(days=3), topics=["women"], ...)``."""
    from datetime import timedelta

    from hrdebate.events.services import EDITABLE_FIELDS, _apply
    from hrdebate.models import Event, utcnow

    counter = iter(range(1, 1_000_000))

    def make(club, kind="debate", status="published", starts_in=timedelta(days=3),
             duration=timedelta(hours=2), topics=(), **fields):
        n = next(counter)
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
        with app.app_context():
            event = Event(club_id=club.id, status=status)
            db.session.add(event)
            _apply(event, data, list(topics))
            for name, value in data.items():  # state such as voting_state or a judgement
                if name not in EDITABLE_FIELDS:
                    setattr(event, name, value)
            if status != "draft":
                event.published_at = utcnow()
            db.session.commit()
            db.session.refresh(event)
            db.session.expunge(event)
        return event

    return make


DEMO_PASSWORD = "demo password 1"


@pytest.fixture
def demo_urls(app, runner):
    """Seed the demo site; return a page of every kind, as the admin sees them."""
    from hrdebate.models import Club, Event, Registration

    assert runner.invoke(args=["seed-demo", "--password", DEMO_PASSWORD]).exit_code == 0
    with app.app_context():
        events = db.session.scalars(db.select(Event).order_by(Event.id)).all()
        club = db.session.scalars(db.select(Club).order_by(Club.id)).first()
        event_urls = [f"/events/{e.id}" for e in events]
        event_urls += [f"/events/{e.id}/edit" for e in events[:3]]
        event_urls += [f"/events/{e.id}/judgement" for e in events if e.kind == "moot_court"][:1]
        event_urls += [f"/events/{e.id}/attendance" for e in events if e.status == "published"][:2]
        event_urls += [f"/events/{events[0].id}/checkin/qr", f"/events/{events[0].id}/checkin"]
        code = db.session.scalar(db.select(Registration.certificate_code)
                                 .where(Registration.certificate_code.is_not(None)).limit(1))
        event_urls += [f"/certificates/{code}", "/me/events", "/turnout/", "/moderation/",
                       "/moderation/log", "/moderation/words"]
        return ["/", "/events/", "/events/?when=past", "/clubs/", f"/clubs/{club.slug}",
                f"/clubs/{club.slug}/members", f"/clubs/{club.slug}/edit", "/clubs/new",
                f"/events/new?club={club.slug}", "/topics/", "/topics/women", "/notifications/",
                "/account/", *event_urls]
