"""Upload, remove and serve an event's cover and a club's logo. Each upload
form is a plain multipart form (it works without JavaScript); a file we do
not take comes back as its page with the sentence (422), a file over the
size limit as 413."""

import click
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required
from PIL import Image

from .. import ratelimits
from ..access import get_club_or_404, get_event_or_404
from . import bp, services, storage
from .keys import COVER, LOGO, MIMETYPE, is_file_name, variants
from .processing import ACCEPT_ATTRIBUTE, NO_FILE, BadImage, too_large

YEAR = 365 * 24 * 3600
# Multipart framing and the form's other fields, on top of the image itself.
FORM_OVERHEAD = 256 * 1024


def _upload() -> bytes:
    """The uploaded file's bytes (at most the limit), or BadImage."""
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        raise BadImage(NO_FILE)
    limit = services.max_bytes()
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise BadImage(too_large(limit), status=413)
    return data


# -- an event's cover -------------------------------------------------------------------

def _cover_page(event, error=None, status=200):
    return render_template("images/cover.html", event=event, image_error=error), status


@bp.route("/events/<int:event_id>/cover", methods=["GET", "POST"])
@login_required
@ratelimits.for_account("RATELIMIT_IMAGE_UPLOAD", methods=["POST"])
def event_cover(event_id):
    event = get_event_or_404(event_id, manage=True)
    if request.method == "GET":
        return _cover_page(event)
    try:
        services.set_event_cover(event, _upload())
    except BadImage as error:
        return _cover_page(event, error.message, error.status)
    flash(_("The cover image is saved."), "success")
    return redirect(url_for("events.edit", event_id=event.id, _anchor="cover-image"))


@bp.route("/events/<int:event_id>/cover/delete", methods=["GET", "POST"])
@login_required
def delete_event_cover(event_id):
    """The page asks first (no JavaScript needed); the POST removes it."""
    event = get_event_or_404(event_id, manage=True)
    if request.method == "GET":
        return render_template("images/delete.html", kind="cover", event=event,
                               key=event.cover_image, back=url_for("events.edit", event_id=event.id))
    services.remove_event_cover(event)
    flash(_("The cover image is removed."), "success")
    return redirect(url_for("events.edit", event_id=event.id, _anchor="cover-image"))


# -- a club's logo (those who edit the club: its owners and admins) -----------------------

def _logo_page(club, error=None, status=200):
    return render_template("images/logo.html", club=club, image_error=error), status


@bp.route("/clubs/<slug>/logo", methods=["GET", "POST"])
@login_required
@ratelimits.for_account("RATELIMIT_IMAGE_UPLOAD", methods=["POST"])
def club_logo(slug):
    club = get_club_or_404(slug, administer=True)
    if request.method == "GET":
        return _logo_page(club)
    try:
        services.set_club_logo(club, _upload())
    except BadImage as error:
        return _logo_page(club, error.message, error.status)
    flash(_("The club’s logo is saved."), "success")
    return redirect(url_for("clubs.edit", slug=club.slug, _anchor="club-logo"))


@bp.route("/clubs/<slug>/logo/delete", methods=["GET", "POST"])
@login_required
def delete_club_logo(slug):
    club = get_club_or_404(slug, administer=True)
    if request.method == "GET":
        return render_template("images/delete.html", kind="logo", club=club,
                               key=club.logo_image, back=url_for("clubs.edit", slug=club.slug))
    services.remove_club_logo(club)
    flash(_("The club’s logo is removed."), "success")
    return redirect(url_for("clubs.edit", slug=club.slug, _anchor="club-logo"))


# -- the files ---------------------------------------------------------------------------

@bp.get("/images/<name>")
def file(name):
    """A stored picture: the same for everyone, never changed under its name
    (a new upload is a new name), so kept for a year by browsers and proxies
    (security.py and auth/sessions.py leave this endpoint's answers alone,
    as they do static files: no session, no cookie)."""
    handle = storage.store().open(name) if is_file_name(name) else None
    if handle is None:
        abort(404)
    response = send_file(handle, mimetype=MIMETYPE, etag=name, conditional=True, max_age=YEAR)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response


# -- what templates use ------------------------------------------------------------------

SHAPES = {"cover": COVER, "logo": LOGO}


@bp.app_template_global()
def image_sources(key, kind):
    """The files of a stored picture for an <img>: ``url``, ``width`` and
    ``height`` of the largest, ``small`` (the smallest: url, width,
    height) and ``srcset``; None without a picture."""
    files = variants(key, SHAPES[kind])
    if not files:
        return None
    urls = [(url_for("images.file", name=name), w, h) for name, w, h in files]
    url, width, height = urls[0]
    return {"url": url, "width": width, "height": height, "small": urls[-1],
            "srcset": ", ".join(f"{u} {w}w" for u, w, _h in urls)}


@bp.app_context_processor
def upload_limits():
    return {"image_accept": ACCEPT_ATTRIBUTE,
            "image_max_mb": current_app.config["IMAGE_MAX_BYTES"] // (1024 * 1024)}


@bp.record_once
def _setup(state):
    app = state.app
    storage.init_app(app)
    # Pillow refuses a picture of more than twice this many pixels (and warns
    # above it; processing refuses above it too).
    Image.MAX_IMAGE_PIXELS = app.config["IMAGE_MAX_PIXELS"]
    # A request may carry one image and a form; unless set on its own, the
    # limit for every request follows the image's (a text field's own limit
    # is Flask's MAX_FORM_MEMORY_SIZE, 500 KB).
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = app.config["IMAGE_MAX_BYTES"] + FORM_OVERHEAD


@bp.cli.command("prune")
@click.option("--older-than", default=3600, show_default=True,
              help="Seconds: newer files may belong to an upload in progress.")
def prune_command(older_than):
    """Delete image files that no event or club names any more."""
    deleted = services.prune(older_than)
    click.echo(f"{deleted} files deleted.")
