from flask import redirect, url_for
from flask_login import current_user, login_required

from ..htmx import render_page
from . import bp, services


@bp.get("/notifications/")
@login_required
def index():
    notifications = services.latest(current_user.id)
    return render_page("notifications/index.html", "notifications", notifications=notifications)


@bp.post("/notifications/read")
@login_required
def mark_read():
    services.mark_all_read(current_user.id)
    return redirect(url_for(".index"))


@bp.app_context_processor
def unread_counter():
    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.unread_count(current_user.id)

    return {"unread_notifications": unread_notifications}
