"""What kind of htmx request is this?"""

from flask import request


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page; False for a plain,
    boosted or history-restore request, which all get the full page."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )
