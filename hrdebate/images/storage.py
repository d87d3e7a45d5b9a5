"""Where image files live, behind three calls (``save``, ``open``,
``delete``) so that they can move to an object store later. Files written
by a request are kept only if its transaction commits; files a committed
change no longer names (a replaced cover, a removed logo) are deleted after
the commit, never before: a failed commit loses no picture."""

import os
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

SAVED = "hrdebate.images_saved"      # written in this transaction: delete unless it commits
DROPPED = "hrdebate.images_dropped"  # no longer named once it commits: delete then


class FolderStore:
    """Image files in one folder, written whole (a temporary file renamed)."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def save(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{name}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, self.folder / name)

    def open(self, name: str):
        """A binary file object, or None if there is no such file."""
        try:
            return open(self.folder / name, "rb")
        except (FileNotFoundError, NotADirectoryError):
            return None

    def delete(self, name: str) -> None:
        (self.folder / name).unlink(missing_ok=True)

    def names_older_than(self, seconds: float):
        """Stored files written more than ``seconds`` ago (for ``flask images prune``)."""
        if not self.folder.is_dir():
            return
        limit = time.time() - seconds
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if entry.is_file() and not entry.name.startswith(".") \
                        and entry.stat().st_mtime < limit:
                    yield entry.name


def store() -> FolderStore:
    return current_app.extensions["hrdebate_images"]


def init_app(app) -> None:
    folder = app.config.get("IMAGE_FOLDER") or os.path.join(app.instance_path, "images")
    app.extensions["hrdebate_images"] = FolderStore(folder)


def save_files(session, files: dict[str, bytes]) -> None:
    """Write ``files``, to be kept if (and only if) the transaction commits."""
    target = store()
    pending = session.info.setdefault(SAVED, [])
    for name, data in files.items():
        pending.append((target, name))
        target.save(name, data)


def delete_after_commit(session, names) -> None:
    target = store()
    session.info.setdefault(DROPPED, []).extend((target, name) for name in names)


@event.listens_for(Session, "after_commit")
def _committed(session):
    session.info.pop(SAVED, None)
    for target, name in session.info.pop(DROPPED, ()):
        target.delete(name)


@event.listens_for(Session, "after_transaction_end")
def _ended(session, transaction):
    """A rollback (or a session closed without commit): what it wrote goes."""
    if transaction.parent is not None:
        return
    for target, name in session.info.pop(SAVED, ()):
        target.delete(name)
    session.info.pop(DROPPED, None)
