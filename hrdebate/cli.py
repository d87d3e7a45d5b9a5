"""Command-line tools: ``flask create-user``, ``flask seed-demo``,
``flask search-reindex``, ``flask i18n``."""

import getpass
import subprocess
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, inspect, select

from .choices import SiteRole
from .config import LANGUAGES
from .extensions import db
from .models import User


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice(SiteRole.values()), default="citizen", show_default=True)
@click.option("--display-name", help="Public name; defaults to the username.")
@click.option("--password", help="Asked for interactively when not given.")
@click.option("--language", type=click.Choice(LANGUAGES),
              help="The account's language, for its mail and on a new device; "
                   "defaults to the site's (BABEL_DEFAULT_LOCALE).")
def create_user(username, role, display_name, password, language):
    """Create a user with a site role (the first admin, for example)."""
    from .auth.forms import USERNAME_RE

    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise click.UsageError("Use 3 to 40 Latin letters, digits, dots, dashes or underscores.")
    if User.username_taken(username):
        raise click.UsageError(f"The username {username!r} is taken.")
    if password is None:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat the password: "):
            raise click.UsageError("The passwords do not match.")
    if len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
        raise click.UsageError(
            f"Use at least {current_app.config['PASSWORD_MIN_LENGTH']} characters."
        )
    user = User(username=username, display_name=display_name or username, site_role=role,
                locale=language or current_app.config["BABEL_DEFAULT_LOCALE"])
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role} {username!r}.")


@click.command("seed-demo")
@with_appcontext
@click.option("--password", default="hrdebate-demo", show_default=True,
              help="Password of every demo account.")
@click.option("--force", is_flag=True, help="Add the demo data even if the database holds data.")
@click.option("--if-empty", is_flag=True, help="Do nothing, successfully, if the database holds data.")
def seed_demo(password, force, if_empty):
    """Fill the database with realistic demo data in all four languages."""
    from .demo import seed

    if not inspect(db.engine).has_table(User.__tablename__):
        raise click.ClickException("The database has no tables yet: run 'flask db upgrade' first.")
    if db.session.scalar(select(func.count()).select_from(User)) and not force:
        if if_empty:
            click.echo("The database already holds data; demo data not loaded.")
            return
        raise click.ClickException(
            "The database is not empty. Use --force to add the demo data anyway."
        )
    summary = seed(password)
    click.echo(summary)
    click.echo(f"Demo accounts: admin, moderator, organiser, citizen (password: {password!r}).")


@click.command("search-reindex")
@with_appcontext
def search_reindex():
    """Refresh what events and clubs are found by (after the search fold or
    the region and theme names in the catalogues changed)."""
    from .search import refresh_all_keys

    count = refresh_all_keys()
    db.session.commit()
    click.echo(f"Search keys refreshed: {count} events.")


@click.group("i18n", cls=AppGroup)
def i18n():
    """Translation catalogues."""


def _babel(*args):
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True)


@i18n.command("update")
def i18n_update():
    """Extract messages, update every catalogue, fill English, compile."""
    root = Path(current_app.root_path).parent
    pot = root / "translations" / "messages.pot"
    _babel("extract", "-F", str(root / "babel.cfg"), "-k", "_l", "-k", "lazy_pgettext:1c,2",
           "--no-location",
           # Babel skips folders starting with "_" by default: templates/_macros/ holds
           # the notifications' and the forms' words, so only hidden folders are skipped.
           "--ignore-dirs", ".*",
           "--sort-output", "-o", str(pot), str(root))
    _babel("update", "-i", str(pot), "-d", str(root / "translations"), "--no-fuzzy-matching",
           "--ignore-obsolete")
    fill_english(root / "translations" / "en" / "LC_MESSAGES" / "messages.po")
    _babel("compile", "-d", str(root / "translations"), "--statistics")


def fill_english(po_path: Path) -> None:
    """English is the source language: its catalogue repeats each message."""
    from babel.messages.pofile import read_po, write_po

    with po_path.open("rb") as f:
        catalog = read_po(f, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = tuple(message.id)
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
    with po_path.open("wb") as f:
        write_po(f, catalog, sort_output=True)


@click.command("worker")
@with_appcontext
@click.option("--threads", default=2, show_default=True, help="Jobs run at once.")
def worker(threads):
    """The background worker: sends the outbox and runs the periodic jobs
    (reminders, the moderators' digest, retention). Stop it with Ctrl+C."""
    import logging

    from .jobs import huey

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # An idle consumer of a polled queue (SQLite) looks for work at most a
    # second apart, so a nudged delivery starts within a second (Redis
    # answers at once: its reads block). Ctrl+C (SIGINT) lets the running
    # jobs finish; SIGTERM stops at once (a mail in flight then follows the
    # outbox's guarantee).
    huey().create_consumer(workers=threads, worker_type="thread", periodic=True,
                           max_delay=1.0).run()


@click.group("jobs", cls=AppGroup)
def jobs():
    """The periodic jobs."""


@jobs.command("run-due")
@click.option("--now", "at", type=click.DateTime(["%Y-%m-%dT%H:%M:%S"]),
              help="Run as if it were this UTC instant (tests, catching up); default: now.")
def jobs_run_due(at):
    """Run every periodic job that is due, once, and exit (for cron)."""
    from datetime import timezone

    from .jobs import run_due

    for name, result in run_due(at.replace(tzinfo=timezone.utc) if at else None).items():
        click.echo(f"{name}: {result}")


@click.group("page-cache", cls=AppGroup)
def page_cache():
    """The page cache (hrdebate/pagecache.py)."""


@page_cache.command("clear")
def page_cache_clear():
    """Give up every kept page: after a change made by hand in the database
    (psql, sqlite3), which the app did not see."""
    from .extensions import db
    from .pagecache import bump_all

    bump_all()
    db.session.commit()
    click.echo("Every kept page is given up.")


def init_app(app):
    app.cli.add_command(page_cache)
    app.cli.add_command(worker)
    app.cli.add_command(jobs)
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(search_reindex)
    app.cli.add_command(i18n)
