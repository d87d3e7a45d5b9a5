"""Refusals by the business rules: one exception, one enumeration of codes,
one sentence a person reads for each. Services raise ``RuleError``; the one
handler in ``errors.py`` answers it (422 and the sentence for htmx, a flash
and a redirect back for a plain form)."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Refusal(StrEnum):
    ONLY_DRAFTS = "only_drafts"
    NOT_A_PUBLISHED_DEBATE = "not_a_published_debate"
    WRONG_STATE = "wrong_state"
    NOT_STARTED = "not_started"
    BAD_VOTE = "bad_vote"
    VOTE_CLOSED = "vote_closed"
    NOT_A_PUBLISHED_MOOT_COURT = "not_a_published_moot_court"
    NOT_A_CIVIC_PROJECT = "not_a_civic_project"
    EVENT_CANCELLED = "event_cancelled"
    NOT_PUBLISHED = "not_published"
    EVENT_OVER = "event_over"
    REGISTRATION_NOT_OPEN = "registration_not_open"
    REGISTRATION_CLOSED = "registration_closed"
    NOT_REGISTERED = "not_registered"
    CHECKIN_CLOSED = "checkin_closed"
    WRONG_CODE = "wrong_code"
    DISCUSSION_UNAVAILABLE = "discussion_unavailable"
    DISCUSSION_CLOSED = "discussion_closed"
    MUTED = "muted"
    SLOW_MODE = "slow_mode"
    CANNOT_REPLY = "cannot_reply"
    TOO_DEEP = "too_deep"
    NOT_YOURS = "not_yours"
    EDIT_WINDOW_OVER = "edit_window_over"
    OWN_COMMENT = "own_comment"
    CANNOT_FLAG = "cannot_flag"
    CANNOT_APPEAL = "cannot_appeal"
    ALREADY_APPEALED = "already_appealed"
    CANNOT_MODERATE = "cannot_moderate"
    SAME_MODERATOR = "same_moderator"
    CANNOT_SANCTION = "cannot_sanction"
    SANCTION_ABOVE_ROLE = "sanction_above_role"
    ALREADY_WARNED = "already_warned"
    OWNER_ROLE = "owner_role"
    REMOVE_OWNER = "remove_owner"
    SLUG_TAKEN = "slug_taken"
    BAD_ROLE = "bad_role"
    COMMENT_HELD = "comment_held"
    ATTENDANCE_FINAL = "attendance_final"
    REASON_REQUIRED = "reason_required"
    FINAL_EVENT_DATES = "final_event_dates"
    CLUB_ARCHIVED = "club_archived"
    INVITATION_ANSWERED = "invitation_answered"
    INVITATION_EXPIRED = "invitation_expired"
    INVITATION_OWNER = "invitation_owner"
    LAST_OWNER = "last_owner"
    PAST_START = "past_start"
    PAST_END = "past_end"
    PAST_CANCEL = "past_cancel"
    NOT_CHECKED_IN = "not_checked_in"
    FUTURE_UPDATE = "future_update"
    NO_FREE_SEAT = "no_free_seat"
    NOT_WAITLISTED = "not_waitlisted"
    CHECKIN_NOT_YET = "checkin_not_yet"
    EVENT_NOT_OVER = "event_not_over"
    WRONG_CLAIM_CODE = "wrong_claim_code"
    CLAIM_CODE_USED = "claim_code_used"
    ALREADY_HAS_CERTIFICATE = "already_has_certificate"
    LAST_ADMIN = "last_admin"
    CLUB_IS_VERIFIED = "club_is_verified"
    DRAFT_NOT_CANCELLED = "draft_not_cancelled"
    ONLY_DRAFTS_DELETED = "only_drafts_deleted"
    MESSAGE_PUBLISHED_ONLY = "message_published_only"

    @property
    def message(self) -> str:
        return str(MESSAGES[self])


MESSAGES = {
    Refusal.ONLY_DRAFTS: _l("Only a draft can be published."),
    Refusal.NOT_A_PUBLISHED_DEBATE: _l("Voting is only for published debates."),
    Refusal.WRONG_STATE: _l("Voting cannot change that way now."),
    Refusal.NOT_STARTED: _l("This can only be done once the event has started."),
    Refusal.BAD_VOTE: _l("Choose for, against or undecided."),
    Refusal.VOTE_CLOSED: _l("This vote is closed."),
    Refusal.NOT_A_PUBLISHED_MOOT_COURT: _l("Judgements are only for published moot courts."),
    Refusal.NOT_A_CIVIC_PROJECT: _l("This is only for civic projects that are not cancelled."),
    Refusal.EVENT_CANCELLED: _l("This event is cancelled: registration is closed."),
    Refusal.NOT_PUBLISHED: _l("This event is not published yet."),
    Refusal.EVENT_OVER: _l("This event is over: registration is closed."),
    Refusal.REGISTRATION_NOT_OPEN: _l("Registration has not opened yet."),
    Refusal.REGISTRATION_CLOSED: _l("Registration for this event is closed."),
    Refusal.NOT_REGISTERED: _l("You are not registered for this event."),
    Refusal.CHECKIN_CLOSED: _l("Check-in is open only from an hour before the start until an hour after the end."),
    Refusal.WRONG_CODE: _l("This check-in code is wrong. Check it on the screen at the venue and try again."),
    Refusal.DISCUSSION_UNAVAILABLE: _l("This event has no discussion."),
    Refusal.DISCUSSION_CLOSED: _l("The organisers or the moderators have closed this discussion."),
    Refusal.MUTED: _l("You are muted for now: you cannot comment, flag or vote until it ends."),
    Refusal.SLOW_MODE: _l("Slow mode is on: please wait a little before you comment again."),
    Refusal.CANNOT_REPLY: _l("You cannot reply to this comment."),
    Refusal.TOO_DEEP: _l("Replies go three levels deep at most. Reply higher up in the thread."),
    Refusal.NOT_YOURS: _l("You can only change your own comments."),
    Refusal.EDIT_WINDOW_OVER: _l("A comment can only be edited in the first 15 minutes."),
    Refusal.OWN_COMMENT: _l("You cannot flag your own comment."),
    Refusal.CANNOT_FLAG: _l("This comment cannot be flagged."),
    Refusal.CANNOT_APPEAL: _l("Only a rejected comment can be appealed."),
    Refusal.ALREADY_APPEALED: _l("A rejection can be appealed only once."),
    Refusal.CANNOT_MODERATE: _l("This decision is not possible for this comment now."),
    Refusal.SAME_MODERATOR: _l("A different moderator must decide this appeal."),
    Refusal.CANNOT_SANCTION: _l("You cannot sanction yourself or an administrator."),
    Refusal.SANCTION_ABOVE_ROLE: _l("Moderators cannot be sanctioned by other moderators: "
                                    "only an administrator can sanction a site moderator."),
    Refusal.ALREADY_WARNED: _l("The author has already been warned about this comment."),
    Refusal.OWNER_ROLE: _l("The owner’s role cannot be changed here."),
    Refusal.REMOVE_OWNER: _l("The owner cannot be removed from the club."),
    Refusal.SLUG_TAKEN: _l("Another club was created with this name at the same moment. "
                           "Please try again."),
    Refusal.BAD_ROLE: _l("This is not possible."),
    Refusal.COMMENT_HELD: _l("This comment is waiting for review, so it cannot be changed now. "
                             "You can delete it and write it again."),
    Refusal.ATTENDANCE_FINAL: _l("The attendance of this event is final: only an administrator "
                                 "can correct it now, giving a reason."),
    Refusal.REASON_REQUIRED: _l("Give a reason for this correction: it is kept in the event’s "
                                "log of attendance changes."),
    Refusal.FINAL_EVENT_DATES: _l("The attendance of this event is final, so it cannot be moved "
                                  "to a time that would reopen it."),
    Refusal.CLUB_ARCHIVED: _l("This club is archived: nobody is left to run it, so it "
                              "publishes no new events."),
    Refusal.INVITATION_ANSWERED: _l("This invitation has already been answered."),
    Refusal.INVITATION_EXPIRED: _l("This invitation has expired. If you still want to join, "
                                   "ask the club to invite you again."),
    Refusal.INVITATION_OWNER: _l("You own this club: accepting this invitation would take "
                                 "that away, so it cannot be accepted."),
    Refusal.LAST_OWNER: _l("You are the club’s only owner, so you cannot leave it yet. First "
                           "invite another member to be an owner (on the club’s members page); "
                           "once they accept, you can leave."),
    Refusal.PAST_START: _l("An event cannot start in the past. Choose a start that is still "
                           "to come, or ask an administrator to record a past event."),
    Refusal.PAST_END: _l("An event cannot be made to end in the past. Choose an end that is still "
                         "to come, or ask an administrator."),
    Refusal.PAST_CANCEL: _l("This event has already taken place, so it stays in the records. "
                            "Ask an administrator if it must be cancelled."),
    Refusal.NOT_CHECKED_IN: _l("In this debate only people checked in at the event can vote. "
                               "Check in with the code shown at the venue, then vote."),
    Refusal.FUTURE_UPDATE: _l("A progress update cannot be dated in the future. Give today’s "
                              "date or an earlier one."),
    Refusal.NO_FREE_SEAT: _l("No seat is free, so nobody can be given one by hand. To let more "
                             "people in, raise the event’s capacity first."),
    Refusal.NOT_WAITLISTED: _l("This person is no longer on the waitlist."),
    Refusal.CHECKIN_NOT_YET: _l("Check-in opens on the day of the event."),
    Refusal.EVENT_NOT_OVER: _l("Certificates can be issued once the event has ended."),
    Refusal.WRONG_CLAIM_CODE: _l("This claim code is wrong. Check it on the paper the organisers "
                                 "gave you and try again."),
    Refusal.CLAIM_CODE_USED: _l("This claim code has already been used. Each code gives one "
                                "certificate, once."),
    Refusal.ALREADY_HAS_CERTIFICATE: _l("You already have a certificate for this event."),
    Refusal.LAST_ADMIN: _l("This is the site’s only administrator: make someone else an "
                           "administrator first, so that the site always has one."),
    Refusal.CLUB_IS_VERIFIED: _l("This club is verified. Withdraw its verification first if "
                                 "it must be refused."),
    Refusal.DRAFT_NOT_CANCELLED: _l("A draft cannot be cancelled: nobody but its organisers has "
                                    "seen it. Delete the draft instead."),
    Refusal.ONLY_DRAFTS_DELETED: _l("Only a draft can be deleted. A published event stays in the "
                                    "records: cancel it instead."),
    Refusal.MESSAGE_PUBLISHED_ONLY: _l("Messages can be sent only about a published event."),
}


class RuleError(Exception):
    """A request that the rules refuse: ``RuleError(Refusal.MUTED)`` (a plain
    code string is checked against the enumeration)."""

    def __init__(self, code: Refusal | str):
        self.code = Refusal(code)
        super().__init__(self.code.value)

    @property
    def message(self) -> str:
        return self.code.message


def refuse(refusal: Refusal | None) -> None:
    """Raise the refusal, if there is one: the rules' ``*_refusal()``
    functions answer a code or None, and a service that acts calls this."""
    if refusal:
        raise RuleError(refusal)
