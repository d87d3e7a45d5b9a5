"""An event's cover and a club's logo: set, replaced, removed. Services
flush; the request commits once (unit_of_work). The old picture's files are
deleted after the commit; a new picture's files are deleted if the request
does not commit (``storage``)."""

from flask import current_app
from sqlalchemy import event as orm_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Club, Event
from ..unit_of_work import lock_and_reread
from . import processing, storage
from .keys import COVER, LOGO, Shape, is_file_name, token_of, variants

# The column that holds each kind of picture, and its shape.
COLUMNS = {Event: ("cover_image", COVER), Club: ("logo_image", LOGO)}


def max_bytes() -> int:
    return current_app.config["IMAGE_MAX_BYTES"]


def _encode(data: bytes, shape: Shape) -> processing.Encoded:
    config = current_app.config
    return processing.encode(data, shape, config["IMAGE_MAX_PIXELS"], config["IMAGE_QUALITY"],
                             config["IMAGE_MAX_LOSSLESS_PIXELS"])


def _replace(row, data: bytes | None) -> None:
    """Put the picture made of ``data`` (None: no picture) in ``row``'s column."""
    column, shape = COLUMNS[type(row)]
    # The slow part (decoding, resizing) before any lock is taken.
    encoded = _encode(data, shape) if data is not None else None
    if encoded is not None:
        storage.save_files(db.session, encoded.files)
    # Two uploads at once (a double click): the second sees the first's
    # picture, and deletes its files when it replaces it.
    lock_and_reread(row, column)
    old = getattr(row, column)
    setattr(row, column, encoded.key if encoded else None)
    db.session.flush()
    if old:
        storage.delete_after_commit(db.session, [name for name, _w, _h in variants(old, shape)])


def set_event_cover(event: Event, data: bytes) -> None:
    """Raises ``processing.BadImage`` for a file we do not take."""
    _replace(event, data)


def remove_event_cover(event: Event) -> None:
    _replace(event, None)


def set_club_logo(club: Club, data: bytes) -> None:
    """Raises ``processing.BadImage`` for a file we do not take."""
    _replace(club, data)


def remove_club_logo(club: Club) -> None:
    _replace(club, None)


@orm_event.listens_for(Session, "after_flush")
def _deleted_rows(session, _context):
    """An event or a club deleted through the session (a draft deleted, say)
    takes its picture's files with it, once that commits."""
    for row in session.deleted:
        column_shape = COLUMNS.get(type(row))
        key = column_shape and getattr(row, column_shape[0])
        if key:
            storage.delete_after_commit(
                session, [name for name, _w, _h in variants(key, column_shape[1])])


def prune(older_than_seconds: float = 3600) -> int:
    """Delete stored files that no event or club names (left by a deletion
    the database did by itself, an ON DELETE CASCADE, or a crash between a
    commit and the deletion of the old files). Files newer than the limit
    are left alone: an upload in progress has not committed yet. Returns how
    many files were deleted."""
    tokens = set()
    for key in db.session.scalars(select(Event.cover_image).where(Event.cover_image.is_not(None))):
        tokens.add(token_of(key))
    for key in db.session.scalars(select(Club.logo_image).where(Club.logo_image.is_not(None))):
        tokens.add(token_of(key))
    target = storage.store()
    deleted = 0
    for name in list(target.names_older_than(older_than_seconds)):
        if is_file_name(name) and token_of(name) not in tokens:
            target.delete(name)
            deleted += 1
    return deleted
