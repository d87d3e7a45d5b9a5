"""Refusals by the business rules, and the sentence a person reads for each."""

from flask_babel import lazy_gettext as _l


class RuleError(Exception):
    """A request that the rules refuse; ``str(error)`` is a code of MESSAGES."""


MESSAGES = {
    "only_drafts": _l("Only a draft can be published."),
    "already_cancelled": _l("This event is already cancelled."),
    "not_a_published_debate": _l("Voting is only for published debates."),
    "wrong_state": _l("Voting cannot change that way now."),
    "not_started": _l("This can only be done once the event has started."),
    "bad_vote": _l("Choose for, against or undecided."),
    "vote_closed": _l("This vote is closed."),
    "not_a_published_moot_court": _l("Judgements are only for published moot courts."),
    "not_a_civic_project": _l("This is only for civic projects that are not cancelled."),
    "event_cancelled": _l("This event is cancelled: registration is closed."),
    "not_published": _l("This event is not published yet."),
    "event_over": _l("This event is over: registration is closed."),
    "registration_not_open": _l("Registration has not opened yet."),
    "registration_closed": _l("Registration for this event is closed."),
    "already_registered": _l("You are already registered for this event."),
    "not_registered": _l("You are not registered for this event."),
    "checkin_closed": _l("Check-in is open only from an hour before the start until an hour after the end."),
    "wrong_code": _l("This check-in code is wrong. Check it on the screen at the venue and try again."),
}


def message(error: RuleError) -> str:
    return str(MESSAGES[str(error)])
