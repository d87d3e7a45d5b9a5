"""Pictures people upload: an event's cover and a club's logo (issue #12).
Decoded and re-encoded with Pillow, stored as files (``storage``), served
from our own origin (``routes.file``)."""

from flask import Blueprint

bp = Blueprint("images", __name__, cli_group="images")

from . import routes  # noqa: E402,F401
