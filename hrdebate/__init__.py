"""hrdebate: debates, moot courts and civic projects for human-rights education."""

import os
import secrets
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import ratelimits, unit_of_work, urls
from .config import Defaults
from .dbtypes import MAX_ID
from .extensions import babel, compress, csrf, db, login, migrate


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = IdConverter
    os.makedirs(app.instance_path, exist_ok=True)

    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("HRDEBATE")
    if test_config is not None:
        app.config.from_mapping(test_config)
    _configure_database(app)
    _configure_secret_key(app)
    # Before the extensions: its host check must be the first before-request hook.
    urls.init_app(app)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(
        Path(app.root_path).parent / "translations"
    )

    db.init_app(app)
    migrate.init_app(app, db)
    csrf.init_app(app)
    compress.init_app(app)
    ratelimits.init_app(app)  # the limiter, and its start-up warnings

    from . import i18n, security
    from .auth import sessions

    babel.init_app(app, locale_selector=i18n.select_locale)
    login.init_app(app)
    login.user_loader(sessions.load_user)
    # Session protection would keep a hash of the address and browser in the
    # cookie; logins end on the server instead (auth/sessions.py).
    login.session_protection = None
    login.login_view = "auth.login"
    login.login_message = i18n.LOGIN_REQUIRED_MESSAGE
    login.login_message_category = "info"
    sessions.init_app(app)

    with app.app_context():
        _tune_connections(db.engine)

    i18n.init_app(app)
    security.init_app(app)
    from . import pagecache

    pagecache.init_fast_path(app)
    if app.config["PROXY_COUNT"]:
        # Outermost, so everything inside sees the client's scheme and host,
        # and the host check (urls.py) applies to the forwarded host.
        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    from . import (
        access,
        account,
        admin,
        auth,
        certificates,
        cli,
        clubs,
        discussions,
        errors,
        events,
        faults,
        feeds,
        images,
        jobs,
        mail,
        main,
        me,
        moderation,
        notifications,
        participation,
        topics,
        turnout,
        unit_of_work,
    )

    # feeds first: /events.ics must not be taken for an event id.
    for blueprint in (feeds.bp, main.bp, auth.bp, account.bp, events.bp, clubs.bp, topics.bp,
                      notifications.bp, participation.bp, me.bp, certificates.bp, turnout.bp,
                      discussions.bp, moderation.bp, images.bp, admin.bp):
        app.register_blueprint(blueprint)
    mail.init_app(app)
    jobs.init_app(app)
    pagecache.init_app(app)
    access.init_app(app)
    from .choices import all_labelled
    from .htmx import swap_focus
    from .moderation.forms import reason_label

    app.jinja_env.globals.update(all_labelled())  # every fixed list, by class name
    app.jinja_env.globals["reason_label"] = reason_label
    app.jinja_env.globals["swap_focus"] = swap_focus
    errors.init_app(app)
    unit_of_work.init_app(app)
    faults.init_app(app)
    cli.init_app(app)
    return app


class IdConverter(IntegerConverter):
    """``<int:...>`` in every URL: 0 to MAX_ID, so a huge number is a 404
    like any unknown id, not an overflow in the database driver."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def _configure_database(app):
    uri = app.config.get("SQLALCHEMY_DATABASE_URI") or os.environ.get("DATABASE_URL")
    if not uri:
        uri = "sqlite:///" + os.path.join(app.instance_path, "hrdebate.sqlite")
    # psycopg 3 is our PostgreSQL driver, whatever scheme the operator wrote.
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            uri = "postgresql+psycopg://" + uri[len(prefix):]
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": 10})
    else:
        # Survive a database restart: test each pooled connection before use.
        options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _configure_secret_key(app):
    if app.config.get("SECRET_KEY"):
        return
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        # Write aside, then link into place: several workers starting at once
        # all end up reading the one key that won the race.
        tmp = key_file.with_name(f"secret_key.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, key_file)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _tune_connections(engine):
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA secure_delete=ON")  # deleted content is overwritten (DESIGN §8)
        cursor.close()
        # We emit BEGIN ourselves, as SQLAlchemy's pysqlite docs advise, so
        # that a transaction can become a write transaction (unit_of_work).
        dbapi_connection.isolation_level = None

    unit_of_work.watch_sqlite_writes(engine)
