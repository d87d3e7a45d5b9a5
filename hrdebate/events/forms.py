from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..choices import Region, as_choices
from ..config import LANGUAGE_NAMES
from ..forms import Form, strip
from ..models import TOPICS
from ..models.event import (
    KIND_FIELDS,
    DebateFormat,
    EventKind,
    Instrument,
    MilestoneStatus,
    VoteChoice,
    VotePhase,
)
from ..timeutil import LOCAL_INPUT_FORMAT, local_to_utc

# Each kind's section of the event form: its legend; its fields are the
# model's ``KIND_FIELDS`` (the first one is required for that kind), declared
# in ``EventForm`` under the kind's heading.
KIND_SECTIONS = {
    EventKind.DEBATE: _l("Debate only"),
    EventKind.MOOT_COURT: _l("Moot court only"),
    EventKind.CIVIC_PROJECT: _l("Civic project only"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# Shown without seconds; some browsers send them (a value set by a script).
LOCAL_INPUT_FORMATS = [LOCAL_INPUT_FORMAT, LOCAL_INPUT_FORMAT + ":%S", LOCAL_INPUT_FORMAT + ":%S.%f"]


def _local_datetime(label, **kwargs):
    return DateTimeLocalField(label, format=LOCAL_INPUT_FORMATS, **kwargs)


class EventForm(Form):
    kind = RadioField(_l("Kind of event"), choices=EventKind.choices(),
                      validators=[DataRequired()], default=EventKind.DEBATE.value)
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=160)])
    summary = TextAreaField(
        _l("Summary"), filters=[strip], validators=[DataRequired(), Length(max=300)],
        description=_l("One or two sentences, shown in lists and calendars."),
    )
    description = TextAreaField(
        _l("Description"), filters=[strip], validators=[Length(max=20000)],
        description=_l("Markdown: *italic*, **bold**, lists and links. No HTML."),
    )
    starts_at = _local_datetime(_l("Starts"), validators=[InputRequired()],
                                description=_l("Bishkek time."))
    ends_at = _local_datetime(_l("Ends"), validators=[InputRequired()],
                              description=_l("Bishkek time."))
    venue = StringField(
        _l("Venue"), filters=[strip], validators=[Length(max=200)],
        description=_l("Address or room, as text. Leave empty for an online-only event."),
    )
    region = SelectField(_l("Region"), choices=Region.choices(_l("Choose a region")),
                         validators=[DataRequired()])
    online_url = URLField(
        _l("Online link (optional)"), filters=[strip],
        validators=[Optional(), URL(require_tld=True), Length(max=300)],
    )
    language = SelectField(_l("Language of the event"), choices=as_choices(LANGUAGE_NAMES))
    capacity = IntegerField(
        _l("Seats (optional)"), validators=[Optional(), NumberRange(min=1, max=100000)],
        description=_l("Leave empty when there is no limit."),
    )
    registration_opens_at = _local_datetime(_l("Registration opens (optional)"),
                                            validators=[Optional()])
    registration_closes_at = _local_datetime(_l("Registration closes (optional)"),
                                             validators=[Optional()])
    topics = MultiCheckboxField(
        _l("Themes"), choices=as_choices({slug: name for slug, (name, _a) in TOPICS.items()}),
    )

    # -- debate only ------------------------------------------------------------
    motion = StringField(_l("Motion"), filters=[strip], validators=[Length(max=300)],
                         description=_l("For example: This house would lower the voting age to 16."))
    debate_format = SelectField(_l("Format"), choices=DebateFormat.choices(),
                                default=DebateFormat.OXFORD.value)
    proposition_team = StringField(_l("Proposition team"), filters=[strip],
                                   validators=[Length(max=120)])
    proposition_speakers = TextAreaField(_l("Proposition speakers"), filters=[strip],
                                         validators=[Length(max=2000)],
                                         description=_l("One name per line."))
    opposition_team = StringField(_l("Opposition team"), filters=[strip],
                                  validators=[Length(max=120)])
    opposition_speakers = TextAreaField(_l("Opposition speakers"), filters=[strip],
                                        validators=[Length(max=2000)],
                                        description=_l("One name per line."))

    # -- moot court only -------------------------------------------------------
    case_title = StringField(_l("Case title"), filters=[strip], validators=[Length(max=200)])
    facts = TextAreaField(_l("Facts of the case"), filters=[strip],
                          validators=[Length(max=20000)])
    legal_questions = TextAreaField(_l("Legal questions"), filters=[strip],
                                    validators=[Length(max=5000)],
                                    description=_l("One question per line."))
    instruments = MultiCheckboxField(_l("Instruments invoked"),
                                     choices=Instrument.choices())
    applicant_team = StringField(_l("Applicant team"), filters=[strip],
                                 validators=[Length(max=200)])
    respondent_team = StringField(_l("Respondent team"), filters=[strip],
                                  validators=[Length(max=200)])
    bench = TextAreaField(_l("Bench"), filters=[strip], validators=[Length(max=2000)],
                          description=_l("One judge per line."))

    # -- civic project only ---------------------------------------------------
    goal = TextAreaField(_l("Goal"), filters=[strip], validators=[Length(max=2000)])
    community = StringField(_l("Community"), filters=[strip], validators=[Length(max=200)],
                            description=_l("Who the project is with and for."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        fields = KIND_FIELDS.get(self.kind.data)
        required = fields[0] if fields else None
        if required and not self[required].data:
            self[required].errors.append(_l("This field is required for this kind of event."))
            ok = False
        return ok

    def validate_ends_at(self, field):
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))

    def validate_registration_closes_at(self, field):
        opens = self.registration_opens_at.data
        if field.data and opens and field.data <= opens:
            raise ValidationError(_l("Registration must close after it opens."))
        if field.data and self.ends_at.data and field.data > self.ends_at.data:
            raise ValidationError(_l("Registration must close before the event ends."))

    def validate_venue(self, field):
        if not field.data and not self.online_url.data:
            raise ValidationError(_l("Give a venue, an online link, or both."))

    def kind_sections(self):
        """(kind, legend, fields) of each kind's part of the form, for the template."""
        return [(kind, legend, [self[name] for name in KIND_FIELDS[kind]])
                for kind, legend in KIND_SECTIONS.items()]

    def to_data(self) -> tuple[dict, list[str]]:
        """The event's fields for the service, times in UTC; and its theme slugs."""
        data = {name: self[name].data for name in (
            "kind", "title", "summary", "description", "venue", "region", "language", "capacity")}
        data["online_url"] = self.online_url.data or None
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            data[name] = local_to_utc(self[name].data)
        # Every kind's fields as the form holds them (filled from the event
        # when it is edited): changing the kind keeps the other kinds' data,
        # stored but shown only for its own kind.
        for fields in KIND_FIELDS.values():
            for name in fields:
                value = self[name].data
                if name == "instruments":
                    value = ",".join(value) if value else None
                data[name] = value or None
        return data, list(self.topics.data or [])


class CancelForm(Form):
    reason = TextAreaField(
        _l("Why is it cancelled?"), filters=[strip],
        validators=[DataRequired(), Length(max=500)],
        description=_l("Shown on the event’s page and sent to everyone who registered, "
                       "waits for a seat or follows the club."),
    )


MESSAGE_AUDIENCES = {
    "registered": _l("People registered"),
    "waitlisted": _l("People on the waitlist"),
    "all": _l("Both"),
}


class MessageForm(Form):
    subject = StringField(_l("Subject"), filters=[strip],
                          validators=[DataRequired(), Length(max=160)])
    body = TextAreaField(_l("Message"), filters=[strip],
                         validators=[DataRequired(), Length(max=5000)])
    audience = RadioField(_l("To"), choices=as_choices(MESSAGE_AUDIENCES), default="registered",
                          validators=[DataRequired()])


class VoteForm(Form):
    phase = HiddenField(validators=[AnyOf(VotePhase.values())])
    choice = RadioField(
        _l("Your vote"),
        choices=VoteChoice.choices(),
        validators=[DataRequired(message=_l("Choose for, against or undecided."))],
    )


class JudgementForm(Form):
    judgement_outcome = StringField(
        _l("Outcome"), filters=[strip], validators=[DataRequired(), Length(max=300)],
        description=_l("For example: Violation of Article 19 ICCPR found."),
    )
    judgement_reasoning = TextAreaField(
        _l("Reasoning"), filters=[strip], validators=[DataRequired(), Length(max=20000)],
        description=_l("Markdown: *italic*, **bold**, lists and links. No HTML."),
    )


class MilestoneForm(Form):
    title = StringField(_l("Milestone"), filters=[strip],
                        validators=[DataRequired(), Length(max=200)])
    due_date = DateField(_l("Due date (optional)"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=MilestoneStatus.choices())


class MilestoneStatusForm(Form):
    status = SelectField(_l("Status"), choices=MilestoneStatus.choices())


class ProgressUpdateForm(Form):
    posted_on = DateField(_l("Date"), validators=[DataRequired()])
    body = TextAreaField(_l("What happened"), filters=[strip],
                         validators=[DataRequired(), Length(max=5000)],
                         description=_l("Markdown: *italic*, **bold**, lists and links. No HTML."))

    def validate_posted_on(self, field):
        from .services import posted_on_refusal  # the rule is the service's

        refusal = posted_on_refusal(field.data)
        if refusal:
            raise ValidationError(refusal.message)


class VotingAttendanceForm(Form):
    """The organiser's switch: only checked-in attendees vote ("1"), or everyone ("0")."""

    checked_in_only = HiddenField(validators=[AnyOf(("0", "1"))])
