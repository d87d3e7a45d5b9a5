"""The admins' area (/admin/): people (search, site role, sanctions,
sessions) and clubs waiting for verification. Every page is for site admins
only (``access.site_role_required("admin")``); every action is written to
the moderation log."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import routes  # noqa: E402,F401
