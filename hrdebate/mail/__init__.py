"""Mail: a transactional outbox (``outbox``), delivered by the background
worker over SMTP or to the console (``transport``), each mail composed in
its reader's language when it leaves (``compose``). Nothing here sends mail
inside a web request."""

from .outbox import deliver_due, enqueue, enqueue_notifications, mail_enabled, wanted

__all__ = ["deliver_due", "enqueue", "enqueue_notifications", "mail_enabled", "wanted"]


def init_app(app) -> None:
    from . import compose, routes

    app.register_blueprint(routes.bp)
    app.jinja_env.globals["link"] = compose.link
