"""Moderation forms, and the reasons a moderator gives: each tied to a rule
of the code of conduct (``ConductRule``, with its anchor on
templates/main/conduct.html). Their fixed lists come from models.comment."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..discussions.watched import MIN_STEM, entry_problem
from ..forms import Form, strip
from ..models.comment import ConductRule, ModerationDecision, Sanction, SystemReason

NEEDS_REASON = (ModerationDecision.REJECT, ModerationDecision.HIDE)
NOTE_MAX = 300


def stored_reason(code: str | None, note: str | None) -> str | None:
    """The reason as it is logged and notified: ``code``, ``code: note`` or
    the note alone; the code stays language-neutral, for the reader's locale."""
    note = " ".join((note or "").split())
    code = code if code in ConductRule.values() else None
    if code and note:
        return f"{code}: {note}"
    return code or note or None


def describe_reason(reason: str | None) -> tuple[str | None, str | None, str | None]:
    """(translated rule, its anchor on the conduct page, free text) of a
    stored reason; for the log, the queue and notifications."""
    if not reason:
        return None, None, None
    code, sep, note = reason.partition(": ")
    if code in ConductRule.values():
        rule = ConductRule(code)
        return str(rule.label), rule.anchor, (note if sep else None)
    if reason in SystemReason.values():
        return str(SystemReason(reason).label), None, None
    return None, None, reason


def reason_label(reason: str | None) -> str:
    """A stored reason as one line people read: the rule, then any note."""
    label, _anchor, note = describe_reason(reason)
    return ": ".join(part for part in (label, note) if part)


class DecisionForm(Form):
    """One decision on a comment; the CSRF token is checked app-wide."""

    class Meta:
        csrf = False

    action = SelectField(_l("Decision"), choices=ModerationDecision.choices(),
                         validators=[DataRequired()])
    reason = SelectField(_l("Rule of the code of conduct"),
                         choices=ConductRule.choices(blank=_l("No rule (approve or restore)")),
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


class SanctionForm(Form):
    kind = SelectField(_l("Sanction"), choices=Sanction.choices(), validators=[DataRequired()])
    days = IntegerField(_l("Days (for a mute)"), default=7,
                        validators=[Optional(), NumberRange(min=1, max=365)])
    reason = TextAreaField(_l("Reason"),
                           filters=[strip],
                           validators=[DataRequired(), Length(max=500)],
                           description=_l("The person reads this reason in their notification."))


class WarningForm(Form):
    """A moderator's warning to a comment's author (club moderators too)."""

    reason = TextAreaField(_l("Reason"),
                           filters=[strip],
                           validators=[DataRequired(), Length(max=500)],
                           description=_l("The person reads this reason in their notification."))


_WORD_PROBLEMS = {
    "empty": _l("Type a word or phrase with at least one letter."),
    "star": _l("A star may only end a word, as in “idiot*”."),
    "short_stem": _l("Put at least %(num)d letters before a star: a shorter stem would "
                     "catch too many innocent words.", num=MIN_STEM),
}


class WatchedWordForm(Form):
    word = StringField(_l("Word or phrase"),
                       filters=[lambda v: " ".join(v.split()) if isinstance(v, str) else v],
                       validators=[DataRequired(), Length(max=80)],
                       description=_l("A word also catches its endings (“идиот” catches "
                                      "“идиоты”, “идиоттор”, “idiots”); end a stem with a "
                                      "star to catch every word that starts with it "
                                      "(“идиот*”)."))

    def validate_word(self, field):
        problem = entry_problem(field.data or "")
        if problem:
            raise ValidationError(_WORD_PROBLEMS[problem])
