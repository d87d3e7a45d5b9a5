from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..choices import as_choices
from ..forms import strip
from ..models import FLAG_REASONS

STANCE_NAMES = {
    "for": _l("For the motion"),
    "against": _l("Against the motion"),
    "neutral": _l("Neutral"),
}

FLAG_REASON_NAMES = {
    "spam": _l("Spam or advertising"),
    "harassment": _l("Harassment or hate"),
    "personal_data": _l("Personal data of someone"),
    "off_topic": _l("Off-topic"),
    "misinformation": _l("Misinformation"),
    "other": _l("Something else"),
}
assert set(FLAG_REASON_NAMES) == set(FLAG_REASONS)



def _optional_int(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a comment id: refused as "cannot reply"


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment"), filters=[strip], validators=[DataRequired(), Length(max=5000)],
        description=_l("Markdown works: *italic*, **bold**, [links](https://example.org), lists."),
    )
    stance = RadioField(_l("Your side"), choices=as_choices(STANCE_NAMES), default="neutral",
                        validate_choice=False)
    parent_id = HiddenField(filters=[_optional_int])

    def __init__(self, *args, debate=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not debate:
            del self.stance

    def validate_stance(self, field):
        if field.data in (None, ""):
            field.data = "neutral"
        elif field.data not in STANCE_NAMES:
            raise ValidationError(_l("Choose for, against or neutral."))


class EditCommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), filters=[strip],
                         validators=[DataRequired(), Length(max=5000)])


class FlagForm(FlaskForm):
    reason = RadioField(_l("Why should moderators look at this comment?"),
                        choices=as_choices(FLAG_REASON_NAMES),
                        validators=[InputRequired(message=_l("Choose a reason."))])
    note = TextAreaField(_l("Anything moderators should know (optional)"), filters=[strip],
                         validators=[Optional(), Length(max=500)])


class AppealForm(FlaskForm):
    message = TextAreaField(
        _l("Why should the decision be reconsidered?"), filters=[strip],
        validators=[DataRequired(), Length(max=2000)],
        description=_l("A different moderator will read your appeal. You can appeal only once."),
    )


class DiscussionSettingsForm(FlaskForm):
    closed = BooleanField(_l("Close the discussion: nobody can comment"))
    slow_mode_seconds = IntegerField(
        _l("Slow mode: seconds between one person's comments"),
        validators=[InputRequired(), NumberRange(min=0, max=3600)], default=0,
        description=_l("0 turns slow mode off; at most 3600 (one hour)."),
    )
