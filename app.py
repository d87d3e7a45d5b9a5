"""The WSGI entry point: ``flask run``, ``gunicorn app:app``."""

from hrdebate import create_app

app = create_app()
