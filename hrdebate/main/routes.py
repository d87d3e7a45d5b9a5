from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from ..account import services as account_services
from ..config import LANGUAGES
from ..extensions import limiter
from ..i18n import remember_language
from ..pagecache import public_page
from ..security import safe_next
from . import bp, services


@bp.get("/")
@public_page
def index():
    """Home: what comes next, the latest results and judgements, the themes."""
    home = services.home()
    return render_template(
        "main/index.html", upcoming=home.upcoming, results=home.results,
        judgements=home.judgements, topics=home.topics, discussions=home.discussions,
    )


@bp.get("/conduct")
def conduct():
    return render_template("main/conduct.html")


@bp.get("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.route("/language/<code>", methods=["GET", "POST"])
def set_language(code):
    """The language switcher (a POST from every page's header): this device
    keeps the choice in its cookie and a signed-in person's account stores
    it, then back to ``next``. A GET (a link) only sets the cookie: a GET
    never writes to the database."""
    if code not in LANGUAGES:
        abort(404)
    remember_language(code)
    if request.method == "POST" and current_user.is_authenticated:
        account_services.choose_language(current_user, code)
    return redirect(safe_next(request.values.get("next"), url_for(".index")))


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """For the load balancer and monitoring: 200 while the site can serve
    (Redis down is "degraded", still 200), 503 when the database does not
    answer; each part named. Never rate limited."""
    serving, report = services.health()
    return report, 200 if serving else 503
