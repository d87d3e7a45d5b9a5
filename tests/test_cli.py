"""flask create-user, flask seed-demo and the migrations."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text

from hrdebate.extensions import db
from hrdebate.models import Club, Membership, User, seed_topics
from tests.helpers import fetch


def test_create_user_with_role(app, runner, client):
    result = runner.invoke(args=["create-user", "Root", "--role", "admin",
                                 "--password", "a long admin passphrase"])
    assert result.exit_code == 0, result.output
    user = fetch(app, User, username="root")
    assert user.site_role == "admin" and user.display_name == "root"
    response = client.post_form("/auth/login", {"username": "root",
                                                "password": "a long admin passphrase"})
    assert response.status_code == 302


def test_create_user_refuses_bad_input(app, runner, make_user):
    make_user("taken")
    assert runner.invoke(args=["create-user", "taken", "--password", "x" * 12]).exit_code != 0
    assert runner.invoke(args=["create-user", "new one", "--password", "x" * 12]).exit_code != 0
    assert runner.invoke(args=["create-user", "newbie", "--password", "short"]).exit_code != 0
    result = runner.invoke(args=["create-user", "newbie", "--role", "king", "--password", "x" * 12])
    assert result.exit_code != 0
    assert fetch(app, User, username="newbie") is None


def test_seed_demo_creates_the_four_accounts(app, runner, client):
    result = runner.invoke(args=["seed-demo", "--password", "demo password 1"])
    assert result.exit_code == 0, result.output
    roles = {u: fetch(app, User, username=u).site_role
             for u in ("admin", "moderator", "organiser", "citizen")}
    assert roles == {"admin": "admin", "moderator": "moderator", "organiser": "citizen",
                     "citizen": "citizen"}
    with app.app_context():
        owner = db.session.scalar(
            select(Membership).join(User).where(User.username == "organiser",
                                                Membership.role == "owner"))
        assert owner is not None
        regions = set(db.session.scalars(select(Club.region)))
        assert {"bishkek", "osh_city", "naryn", "issyk_kul"} <= regions
        consented = db.session.scalar(select(func.count()).select_from(User).where(
            User.demographics_consent_at.is_not(None)))
        assert consented >= 5
    response = client.post_form("/auth/login", {"username": "organiser",
                                                "password": "demo password 1"})
    assert response.status_code == 302


def test_seed_demo_refuses_a_non_empty_database(app, runner, make_user):
    make_user("someone")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "--force" in result.output
    assert fetch(app, User, username="admin") is None

    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert fetch(app, User, username="admin") is None

    result = runner.invoke(args=["seed-demo", "--force"])
    assert result.exit_code == 0
    assert fetch(app, User, username="admin") is not None


def test_migrations_build_the_schema_of_the_models(app, runner):
    """`flask db upgrade` on an empty database gives exactly the models' schema,
    and `downgrade base` removes it again."""
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
    try:
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with app.app_context(), db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            assert diff == [], diff
        assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
        with app.app_context():
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    finally:
        with app.app_context():
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            db.create_all()
            seed_topics()
            db.session.commit()
