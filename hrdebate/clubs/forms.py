from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from ..choices import Region, as_choices
from ..forms import Form, NotImpersonating, strip
from ..models.club import ClubType, MemberRole, ModerationMode
from . import services

# What each role an owner may offer lets the person do (longer than the
# role's name, ``MemberRole.label``, which the members' list shows).
ROLE_DESCRIPTIONS = {
    MemberRole.OWNER: _l("Owner: edits the club, invites people and can hand the club over"),
    MemberRole.ORGANISER: _l("Organiser: creates and runs the club’s events"),
    MemberRole.MODERATOR: _l("Club moderator: moderates comments on the club’s events"),
}


class ClubForm(Form):
    name = StringField(
        _l("Name"), filters=[strip],
        validators=[DataRequired(), Length(max=120), NotImpersonating()],
        description=_l("The club’s full name, as people know it."),
    )
    club_type = SelectField(
        _l("Type"), choices=ClubType.choices(_l("Choose a type")),
        validators=[DataRequired()],
    )
    city = StringField(
        _l("City or village"), filters=[strip], validators=[DataRequired(), Length(max=80)]
    )
    region = SelectField(
        _l("Region"), choices=Region.choices(_l("Choose a region")),
        validators=[DataRequired()],
    )
    description = TextAreaField(
        _l("Description"), filters=[strip], validators=[Length(max=5000)],
        description=_l("Who you are, what you do and how to join. You may use Markdown: "
                       "**bold**, *italics*, lists and links."),
        render_kw={"rows": 8},
    )
    moderation_mode = SelectField(
        _l("Comment moderation"), choices=ModerationMode.choices(),
        default=ModerationMode.POST.value,
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


class InviteForm(Form):
    """Invite a person by the username they log in with. Nothing here looks
    the username up: the form must answer the same whether or not it exists
    (``services.invite_by_username``)."""

    username = StringField(
        _l("Username"), filters=[strip], validators=[DataRequired(), Length(max=40)],
        description=_l("Ask the person for the username they log in with. "
                       "It is never shown on the club’s page."),
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    role = SelectField(
        _l("Role"),
        choices=as_choices({role.value: ROLE_DESCRIPTIONS[role]
                            for role in services.INVITABLE_ROLES}),
        default=MemberRole.ORGANISER.value,
    )


class RoleForm(Form):
    """A member's new role, chosen on their row of the members list."""

    role = SelectField(
        _l("Role"), choices=as_choices({role.value: role.label for role in services.ROW_ROLES}),
    )


class AnswerForm(Form):
    """The invitee's answer: the button they pressed."""

    action = StringField(validators=[AnyOf(("accept", "decline"))])


class RefusalForm(Form):
    """An admin's reason for refusing to verify a club: its owners read it."""

    reason = TextAreaField(
        _l("Reason"), filters=[strip], validators=[DataRequired(), Length(max=500)],
        description=_l("The club’s owners read this reason in their notification. Say what "
                       "they can do about it."),
        render_kw={"rows": 4},
    )
