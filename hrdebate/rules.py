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
    "discussion_unavailable": _l("This event has no discussion."),
    "discussion_closed": _l("The organisers have closed this discussion."),
    "muted": _l("You are muted for now: you cannot comment, flag or vote until it ends."),
    "slow_mode": _l("Slow mode is on: please wait a little before you comment again."),
    "cannot_reply": _l("You cannot reply to this comment."),
    "too_deep": _l("Replies go three levels deep at most. Reply higher up in the thread."),
    "not_yours": _l("You can only change your own comments."),
    "edit_window_over": _l("A comment can only be edited in the first 15 minutes."),
    "own_comment": _l("You cannot flag your own comment."),
    "cannot_flag": _l("This comment cannot be flagged."),
    "already_flagged": _l("You have already flagged this comment."),
    "cannot_appeal": _l("Only a rejected comment can be appealed."),
    "already_appealed": _l("A rejection can be appealed only once."),
    "cannot_moderate": _l("This decision is not possible for this comment now."),
    "same_moderator": _l("A different moderator must decide this appeal."),
    "cannot_sanction": _l("You cannot sanction yourself or an administrator."),
}


def message(error: RuleError) -> str:
    return str(MESSAGES[str(error)])

