"""Signed links that mail carries: a password reset, an address to confirm,
a kind of mail to stop. Each purpose has its own salt, so a link made for
one purpose is worth nothing for another."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"hrdebate-{purpose}")


def sign(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str, max_age: int | None = None) -> dict | None:
    """The payload, or None for a link that is forged, damaged or too old."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except BadData:
        return None
    return payload if isinstance(payload, dict) else None
