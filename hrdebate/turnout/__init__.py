from flask import Blueprint

bp = Blueprint("turnout", __name__)

from . import aggregates, routes  # noqa: E402,F401  (aggregates: the session's listeners)
from . import commands  # noqa: E402,F401
