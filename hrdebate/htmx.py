"""What kind of htmx request is this?"""

from flask import get_flashed_messages, get_template_attribute, render_template, request
from jinja2_fragments.flask import render_block
from markupsafe import Markup


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


def swap_focus(when: bool = True) -> Markup:
    """Attributes for the root of a region that htmx swaps in answer to what
    the person did there (a button pressed inside it): the button they were
    on is gone, so focus goes to the new region (htmx focuses an element with
    ``autofocus`` in swapped content), not back to the top of the page. The
    message area (``refresh_flashes``, a live region) says what happened.
    A full page gets nothing: it must not pull focus away on loading. Nor
    does a region sent back with a form's errors (``when`` false): the field
    to correct has ``autofocus`` there instead."""
    return Markup(' tabindex="-1" autofocus') if when and wants_fragment() else Markup("")


def refresh_flashes(response):
    """An ``after_request`` hook: a successful fragment answer also brings
    the message area as it is now (the messages flashed meanwhile, or none),
    swapped out of band. A "please wait" put there by an earlier 429 (or a
    refusal's 422) does not stay on screen after the next success. Requests
    the page makes by itself (the live tally's polling) leave it alone."""
    from .auth.sessions import UNATTENDED_ENDPOINTS

    if (not wants_fragment() or not 200 <= response.status_code < 300
            or response.status_code == 204
            or response.mimetype != "text/html" or response.is_streamed
            or response.direct_passthrough or "HX-Retarget" in response.headers
            or request.endpoint in UNATTENDED_ENDPOINTS):
        return response
    flash_area = get_template_attribute("_macros/flashes.html", "flash_area")
    area = flash_area(get_flashed_messages(with_categories=True), oob=True)
    response.set_data(response.get_data() + str(area).encode())
    return response
