from flask import redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..htmx import render_page
from ..models import Event, Notification
from . import bp, services

PER_PAGE = 30


@bp.get("/notifications/")
@login_required
def index():
    notifications = db.session.scalars(
        select(Notification)
        .options(joinedload(Notification.event).joinedload(Event.club))
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PER_PAGE)
    ).all()
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
