from flask import Blueprint

bp = Blueprint("participation", __name__)

from . import routes  # noqa: E402,F401
