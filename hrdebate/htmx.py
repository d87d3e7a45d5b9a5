"""What kind of htmx request is this?"""

from flask import render_template, request
from jinja2_fragments.flask import render_block


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page; False for a plain,
    boosted or history-restore request, which all get the full page."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render_page(template: str, block: str, **context) -> str:
    """One URL, one template: the full page, or only ``block`` for htmx."""
    if wants_fragment():
        return render_block(template, block, **context)
    return render_template(template, **context)
