from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..choices import REGIONS, as_choices
from ..forms import strip
from ..models import User

CLUB_TYPE_NAMES = {
    "university_club": _l("University club"),
    "school_club": _l("School club"),
    "ngo": _l("NGO"),
    "other": _l("Other organisation"),
}

MODERATION_MODES = {
    "pre": _l("Pre-moderation"),
    "post": _l("Post-moderation"),
}

APPOINTABLE_ROLES = {
    "organiser": _l("Organiser: creates and runs the club’s events"),
    "moderator": _l("Club moderator: moderates comments on the club’s events"),
}

ROLE_NAMES = {
    "owner": _l("Owner"),
    "organiser": _l("Organiser"),
    "moderator": _l("Club moderator"),
    "member": _l("Member"),
}



class ClubForm(FlaskForm):
    name = StringField(
        _l("Name"), filters=[strip], validators=[DataRequired(), Length(max=120)],
        description=_l("The club’s full name, as people know it."),
    )
    club_type = SelectField(
        _l("Type"), choices=as_choices(CLUB_TYPE_NAMES, _l("Choose a type")),
        validators=[DataRequired()],
    )
    city = StringField(
        _l("City or village"), filters=[strip], validators=[DataRequired(), Length(max=80)]
    )
    region = SelectField(
        _l("Region"), choices=as_choices(REGIONS, _l("Choose a region")),
        validators=[DataRequired()],
    )
    description = TextAreaField(
        _l("Description"), filters=[strip], validators=[Length(max=5000)],
        description=_l("Who you are, what you do and how to join. You may use Markdown: "
                       "**bold**, *italics*, lists and links."),
        render_kw={"rows": 8},
    )
    moderation_mode = SelectField(
        _l("Comment moderation"), choices=as_choices(MODERATION_MODES), default="post",
        description=_l("Pre-moderation: new members’ comments wait for a moderator before "
                       "anyone sees them. Post-moderation: comments appear at once and are "
                       "reviewed when someone flags them."),
    )

    def data_for_service(self) -> dict:
        return {
            "name": self.name.data, "club_type": self.club_type.data, "city": self.city.data,
            "region": self.region.data, "description": self.description.data or "",
            "moderation_mode": self.moderation_mode.data,
        }


class MemberForm(FlaskForm):
    username = StringField(
        _l("Username"), filters=[strip], validators=[DataRequired(), Length(max=40)],
        description=_l("Ask the person for the username they log in with. "
                       "It is never shown on the club’s page."),
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    role = SelectField(_l("Role"), choices=as_choices(APPOINTABLE_ROLES), default="organiser")

    user: User | None = None

    def validate_username(self, field):
        self.user = User.by_username(field.data or "")
        if self.user is None:
            raise ValidationError(_l("Nobody has this username. Check the spelling."))
