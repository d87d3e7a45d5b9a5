from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..choices import Affiliation, AgeBand, Gender, Region, as_choices
from ..config import LANGUAGE_NAMES
from ..auth.services import needs_password
from ..forms import Form, NotImpersonating, PasswordPolicy, email_field, strip

NOT_SAID = _l("I prefer not to say")


class DemographicsForm(Form):
    age_band = SelectField(_l("Age"), choices=AgeBand.choices(NOT_SAID), default="")
    gender = SelectField(_l("Gender"), choices=Gender.choices(NOT_SAID), default="")
    affiliation = SelectField(_l("I am mainly a…"), choices=Affiliation.choices(NOT_SAID), default="")
    region = SelectField(_l("Region where I live"), choices=Region.choices(NOT_SAID), default="")
    consent = BooleanField(
        _l("I agree that hrdebate keeps these answers and uses them only in anonymous "
           "totals, and I know I can withdraw them at any time."),
        validators=[DataRequired(message=_l("Tick the box to agree, or leave this form."))],
    )


class CurrentPassword:
    """Checks the field against the password of the form's user."""

    def __call__(self, form, field):
        if not form.user.check_password(field.data or ""):
            raise ValidationError(_l("This is not your current password."))


class UserForm(Form):
    """A form about one user's own account."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user


class ProfileForm(UserForm):
    display_name = StringField(
        _l("Display name"),
        filters=[strip],
        validators=[DataRequired(), Length(max=60), NotImpersonating()],
        description=_l("Shown next to what you write. A pseudonym is fine."),
    )
    locale = SelectField(_l("Language"), choices=as_choices(LANGUAGE_NAMES))
    email = email_field()
    # Adding or changing an address, or removing a confirmed one, asks for the
    # password (``needs_password``): a borrowed session cannot make the
    # account's way back its own.
    current_password = PasswordField(
        _l("Current password"),
        description=_l("Needed only to add, change or remove your address."),
        render_kw={"autocomplete": "current-password"},
    )

    def validate_current_password(self, field):
        if self.email.errors or not needs_password(self.user, self.email.data):
            return
        if not field.data:
            raise ValidationError(_l("Type your current password to add, change or remove "
                                     "your address."))
        if not self.user.check_password(field.data):
            raise ValidationError(_l("This is not your current password."))


class PasswordForm(UserForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), CurrentPassword()],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), PasswordPolicy()],
        render_kw={"autocomplete": "new-password"},
    )
    password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class DeleteForm(UserForm):
    password = PasswordField(
        _l("Your password"), validators=[DataRequired(), CurrentPassword()],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("I understand that my account and what I wrote are erased for good."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
