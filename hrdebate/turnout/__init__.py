from flask import Blueprint

bp = Blueprint("turnout", __name__)

from . import routes  # noqa: E402,F401
