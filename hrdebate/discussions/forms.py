"""The discussion's forms: a comment or reply, an edit, a flag, an appeal, and
the organisers' settings. Their fixed lists come from models.comment."""

from flask_babel import lazy_gettext as _l
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

from ..dbtypes import MAX_ID
from ..forms import Form, strip
from ..models.comment import FlagReason, Stance


def _optional_int(value):
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1  # never a comment id: refused as "cannot reply"
    return number if 0 < number <= MAX_ID else -1


class CommentForm(Form):
    body = TextAreaField(
        _l("Your comment"), filters=[strip], validators=[DataRequired(), Length(max=5000)],
        description=_l("Markdown works: *italic*, **bold**, [links](https://example.org), lists."),
    )
    stance = RadioField(_l("Your side"), choices=Stance.choices(), default=Stance.NEUTRAL,
                        validate_choice=False)
    parent_id = HiddenField(filters=[_optional_int])

    def __init__(self, *args, debate=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not debate:
            del self.stance

    def validate_stance(self, field):
        if field.data in (None, ""):
            field.data = Stance.NEUTRAL.value
        elif field.data not in Stance.values():
            raise ValidationError(_l("Choose for, against or neutral."))


class ReplyForm(Form):
    """The reply box under one comment. It posts ``body`` (and ``parent_id``)
    to the comment form's URL; only its id is its own, so that every comment
    of a page has a box with a distinct label."""

    class Meta:
        csrf = False  # the post_form macro writes the token

    body = TextAreaField(_l("Your reply"), filters=[strip],
                         validators=[DataRequired(), Length(max=5000)],
                         render_kw={"rows": 3})

    @classmethod
    def body_for(cls, comment_id: int, failed: CommentForm | None = None):
        """The body field of the reply to ``comment_id``, holding what a
        failed reply (``failed``, the comment form sent with errors) said."""
        form = cls(formdata=None, data={"body": failed.body.data if failed else None})
        field = form.body
        field.id = field.label.field_id = f"reply-{comment_id}-body"
        if failed:
            field.errors = list(failed.body.errors)
        return field


class EditCommentForm(Form):
    body = TextAreaField(_l("Your comment"), filters=[strip],
                         validators=[DataRequired(), Length(max=5000)])


class FlagForm(Form):
    reason = RadioField(_l("Why should moderators look at this comment?"),
                        choices=FlagReason.choices(),
                        validators=[InputRequired(message=_l("Choose a reason."))])
    note = TextAreaField(_l("Anything moderators should know (optional)"), filters=[strip],
                         validators=[Optional(), Length(max=500)])


class AppealForm(Form):
    message = TextAreaField(
        _l("Why should the decision be reconsidered?"), filters=[strip],
        validators=[DataRequired(), Length(max=2000)],
        description=_l("A different moderator will read your appeal. You can appeal only once."),
    )


class DiscussionSettingsForm(Form):
    closed = BooleanField(_l("Close the discussion: nobody can comment"))
    slow_mode_seconds = IntegerField(
        _l("Slow mode: seconds between one person's comments"),
        validators=[InputRequired(), NumberRange(min=0, max=3600)], default=0,
        description=_l("0 turns slow mode off; at most 3600 (one hour)."),
    )
