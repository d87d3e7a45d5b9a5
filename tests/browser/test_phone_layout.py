"""Phone first (#11): every page kind, in every role, on a 360 px phone.

No page scrolls sideways: what does not fit scrolls in its own labelled box
(tables) or wraps (long words, links). The controls a thumb aims at (the
header's links and buttons, form fields and buttons, the labels of boxes
and dots, links that stand alone) are at least 44 px each way; links inside
running text are exempt (WCAG 2.5.8).

HRDEBATE_WIDTHS_FILE=path appends each page's scrollWidth to that file (the
before/after figures of the issue's closing note).
"""

import os

import pytest

from tests.browser.page_kinds import EXPECTED_STATUS

WIDTH = 360
PHONE = {"viewport": {"width": WIDTH, "height": 740}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
TOUCH_TARGET = 44
LANGUAGES = ["en", "ky"]
ROLES = ["anonymous", "citizen", "organiser", "moderator", "admin"]

# The outermost elements that reach past the right edge: the ones to fix.
TOO_WIDE = """(width) => [...document.querySelectorAll('body *')].filter(e => {
    const right = e.getBoundingClientRect().right;
    return e.checkVisibility() && right > width + 0.5 && e.parentElement.getBoundingClientRect().right <= width + 0.5;
  }).map(e => `${e.tagName.toLowerCase()}${e.className ? '.' + [...e.classList].join('.') : ''}`
    + ` (${Math.round(e.getBoundingClientRect().right)} px): `
    + (e.textContent || '').trim().slice(0, 50))"""
# Aimed at with a thumb: the header's controls, every form control, buttons,
# the label of every box and dot (the box itself is 24 px), and the links that
# stand alone: a comment's actions, date and views, an event's club, themes
# and calendar file, the theme chips, the queue's counts, the footer's links.
TARGETS = (".site-header a, .site-header button, .site-header summary, main button, main summary, "
           "main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), "
           "main select, main textarea, main a.button, .pager a, "
           "main label:has(> input[type=checkbox], > input[type=radio]), "
           "main input[type=checkbox] + label, main input[type=radio] + label, "
           ".comment-actions a, .comment-meta a, .comment-views a, .facts dd > a, .facts .inline-list a, "
           ".topic-links a, #queue-counts a, .filter-actions a, .footer-links a")
TOO_SMALL = """([selector, size]) => [...document.querySelectorAll(selector)].filter(e => {
    const r = e.getBoundingClientRect();
    return e.checkVisibility({visibilityProperty: true}) && (r.width < size - 0.5 || r.height < size - 0.5);
  }).map(e => { const r = e.getBoundingClientRect();
    return `${e.tagName.toLowerCase()} "${(e.textContent || e.name || '').trim().slice(0, 30)}"`
      + ` ${Math.round(r.width)}x${Math.round(r.height)}`; })"""


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_a_phone(page_as, demo_site, role):
    """In English and in Kyrgyz, whose words are the longest."""
    too_wide, too_small, widths = {}, {}, []
    for language in LANGUAGES:
        page = page_as(role, locale=language, **PHONE)
        for name, url in demo_site[role].pages.items():
            response = page.goto(url)
            assert response.status == EXPECTED_STATUS.get(name, 200), (name, url)
            width = page.evaluate("document.documentElement.scrollWidth")
            widths.append(f"{role}\t{language}\t{name}\t{url}\t{width}")
            where = f"{language} {name} {url}"
            if width > WIDTH:
                too_wide[f"{where} ({width} px)"] = page.evaluate(TOO_WIDE, WIDTH)
            if small := page.evaluate(TOO_SMALL, [TARGETS, TOUCH_TARGET]):
                too_small[where] = small
    if path := os.environ.get("HRDEBATE_WIDTHS_FILE"):
        with open(path, "a", encoding="utf-8") as file:
            file.write("\n".join(widths) + "\n")
    assert not too_wide and not too_small, {"too wide": too_wide, "too small": too_small}
