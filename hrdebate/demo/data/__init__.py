"""The demo's data, plain Python in the four languages: who the people are
(``people``), the clubs (``clubs``), what each club did (one module per
city), and the moderators' watched words and sanctions (``moderation``).

Nothing here touches the database: ``hrdebate.demo.seeder`` turns it into
what users would have done, through the services.

A city module holds three lists:

``EVENTS``: one dict per event. ``day`` is the start, in days from today;
``at`` the Bishkek time; ``duration`` (two hours if not given); ``status``:
draft, published or cancelled. The other keys that are not event fields:
``club`` (slug), ``topics`` (slugs), ``voting_state`` (``closed`` once a
debate's audience has voted twice), ``votes`` (for, against, undecided per
phase), ``milestones`` (title, due day, status), ``updates`` (author, day,
Markdown), ``judgement`` (day, outcome, reasoning) and ``cancellation_reason``
(what the people registered are told when it is cancelled).

``ATTENDANCE``: who came, per published event (by title). ``regions``: the
regions most of the audience lives in; ``registered``: online seats taken,
the people named in ``also`` among them; ``waitlist``: people waiting for a
seat, in order (the event is then full); ``cancelled``: people who
registered and then cancelled; ``no_shows``: registered people who did not
come. Events that have started have check-ins, and ``walk_ins`` (a name, and
demographics only with consent: age band, gender, affiliation, region).
Everyone checked in has a certificate code; ``revoked``: how many
certificates the club revoked.

``DISCUSSIONS``: what people wrote under the events, in each event's
language (see ``helpers.comment``).
"""

from . import bishkek, karakol, naryn, osh
from .clubs import CLUBS, FOLLOWS, MEMBERSHIPS
from .moderation import SANCTIONS, WATCHED_WORDS
from .people import ACCOUNT_DEMOGRAPHICS, ACCOUNTS, AUDIENCE, CITIZENS, VOTERS

CITIES = (bishkek, osh, naryn, karakol)
EVENTS = [spec for city in CITIES for spec in city.EVENTS]
ATTENDANCE = {title: spec for city in CITIES for title, spec in city.ATTENDANCE.items()}
DISCUSSIONS = {title: specs for city in CITIES for title, specs in city.DISCUSSIONS.items()}

__all__ = [
    "ACCOUNTS",
    "ACCOUNT_DEMOGRAPHICS",
    "ATTENDANCE",
    "AUDIENCE",
    "CITIZENS",
    "CLUBS",
    "DISCUSSIONS",
    "EVENTS",
    "FOLLOWS",
    "MEMBERSHIPS",
    "SANCTIONS",
    "VOTERS",
    "WATCHED_WORDS",
]
