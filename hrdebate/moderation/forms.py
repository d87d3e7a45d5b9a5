"""Moderation forms, and the reasons a moderator can give: each tied to a
rule of the code of conduct (templates/main/conduct.html)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..choices import as_choices
from ..forms import strip
from .services import ACTIONS, SANCTIONS

# code: (label, anchor of the rule on the code-of-conduct page)
CONDUCT_REASONS = {
    "respect": (_l("Respect people"), "respect"),
    "privacy": (_l("Protect privacy"), "privacy"),
    "truth": (_l("Stay honest"), "truth"),
    "topic": (_l("Stay on topic"), "topic"),
    "safety": (_l("Keep everyone safe"), "law"),
}
SYSTEM_REASONS = {"three_flags": _l("Three people flagged it")}
ACTION_LABELS = {
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "hide": _l("Hide"),
    "restore": _l("Restore"),
}
LOG_ACTION_LABELS = {
    **ACTION_LABELS,
    "auto_hide": _l("Hidden automatically"),
    "hold": _l("Held for review"),
    "appeal_upheld": _l("Appeal upheld"),
    "appeal_dismissed": _l("Appeal dismissed"),
    "warn": _l("Warning"),
    "mute": _l("Mute"),
    "ban": _l("Ban"),
    "unban": _l("Ban lifted"),
}
SANCTION_LABELS = {
    "warn": _l("Warn"),
    "mute": _l("Mute for some days"),
    "ban": _l("Ban"),
    "unban": _l("Lift the ban"),
}
NEEDS_REASON = ("reject", "hide")
NOTE_MAX = 300


def stored_reason(code: str | None, note: str | None) -> str | None:
    """The reason as it is logged and notified: ``code``, ``code: note`` or
    the note alone; the code stays language-neutral, for the reader's locale."""
    note = " ".join((note or "").split())
    code = code if code in CONDUCT_REASONS else None
    if code and note:
        return f"{code}: {note}"
    return code or note or None


def describe_reason(reason: str | None) -> tuple[str | None, str | None, str | None]:
    """(translated rule, its anchor on the conduct page, free text) of a
    stored reason; for the log, the queue and notifications."""
    if not reason:
        return None, None, None
    code, sep, note = reason.partition(": ")
    if code in CONDUCT_REASONS:
        label, anchor = CONDUCT_REASONS[code]
        return str(label), anchor, (note if sep else None)
    if reason in SYSTEM_REASONS:
        return str(SYSTEM_REASONS[reason]), None, None
    return None, None, reason


def reason_label(reason: str | None) -> str:
    """A stored reason as one line people read: the rule, then any note."""
    label, _anchor, note = describe_reason(reason)
    return ": ".join(part for part in (label, note) if part)


def _reason_choices(blank):
    return as_choices({code: label for code, (label, _a) in CONDUCT_REASONS.items()}, blank)


class DecisionForm(FlaskForm):
    """One decision on a comment; the CSRF token is checked app-wide."""

    class Meta:
        csrf = False

    action = SelectField(_l("Decision"), choices=as_choices({a: ACTION_LABELS[a] for a in ACTIONS}),
                         validators=[DataRequired()])
    reason = SelectField(_l("Rule of the code of conduct"),
                         choices=_reason_choices(_l("No rule (approve or restore)")),
                         default="")
    note = StringField(_l("Note for the author (optional)"),
                       filters=[strip],
                       validators=[Length(max=NOTE_MAX)])

    def validate_reason(self, field):
        if self.action.data in NEEDS_REASON and not field.data:
            raise ValidationError(_l("Choose the rule this comment breaks."))

    @property
    def stored_reason(self) -> str | None:
        return stored_reason(self.reason.data, self.note.data)


class SanctionForm(FlaskForm):
    kind = SelectField(_l("Sanction"), choices=as_choices({k: SANCTION_LABELS[k] for k in SANCTIONS}),
                       validators=[DataRequired()])
    days = IntegerField(_l("Days (for a mute)"), default=7,
                        validators=[Optional(), NumberRange(min=1, max=365)])
    reason = TextAreaField(_l("Reason"),
                           filters=[strip],
                           validators=[DataRequired(), Length(max=500)],
                           description=_l("The person reads this reason in their notification."))


class WatchedWordForm(FlaskForm):
    word = StringField(_l("Word or phrase"),
                       filters=[lambda v: " ".join(v.split()) if isinstance(v, str) else v],
                       validators=[DataRequired(), Length(max=80)],
                       description=_l("Comments containing it as a whole word, in any letter case, wait for review."))


HELD_FOR_LABELS = {
    "pre_moderation": _l("Pre-moderation"),
    "watched_word": _l("Watched word"),
    "flags": _l("Hidden after flags"),
}
AGE_LABELS = {
    "1h": _l("Waiting over an hour"),
    "24h": _l("Waiting over a day"),
    "7d": _l("Waiting over a week"),
}
