from flask import Blueprint

bp = Blueprint("discussions", __name__)

from . import routes  # noqa: E402,F401
