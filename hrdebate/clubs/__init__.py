from flask import Blueprint

bp = Blueprint("clubs", __name__)

from . import routes  # noqa: E402,F401
