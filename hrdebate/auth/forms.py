import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..forms import Email, Form, NotImpersonating, PasswordPolicy, email_field, strip

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,39}$")
USERNAME_TAKEN = _l("This username is taken. Please choose another.")

class RegisterForm(Form):
    username = StringField(
        _l("Username"),
        filters=[strip],
        validators=[DataRequired()],
        description=_l("Used only to log in; it is never shown to anyone. "
                       "3 to 40 Latin letters, digits, dots, dashes or underscores."),
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    display_name = StringField(
        _l("Display name"),
        filters=[strip],
        validators=[DataRequired(), Length(max=60), NotImpersonating()],
        description=_l("Shown next to what you write. A pseudonym is fine: you do not "
                       "have to use your real name."),
        render_kw={"autocomplete": "nickname"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), PasswordPolicy()],
        description=_l("At least 10 characters. A few unrelated words make a strong password."),
        render_kw={"autocomplete": "new-password"},
    )
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    email = email_field()

    def validate_username(self, field):
        # Whether it is taken is decided when the account is written
        # (``auth.services.register_user``): a sign-up sent twice is not
        # "taken" by itself, and only the database knows at that instant.
        field.data = (field.data or "").lower()
        if not USERNAME_RE.match(field.data):
            raise ValidationError(
                _l("Use 3 to 40 Latin letters, digits, dots, dashes or underscores.")
            )


class LoginForm(Form):
    username = StringField(
        _l("Username"),
        filters=[strip],
        validators=[DataRequired()],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField(_l("Remember me on this device for 30 days"))


class ResetRequestForm(Form):
    email = EmailField(
        _l("Email"),
        filters=[strip],
        validators=[DataRequired(), Email()],
        description=_l("The address you confirmed on your account."),
        render_kw={"autocomplete": "email"},
    )


class ResetPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), PasswordPolicy()],
        description=_l("At least 10 characters. A few unrelated words make a strong password."),
        render_kw={"autocomplete": "new-password"},
    )
    password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
