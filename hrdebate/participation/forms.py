from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..account.forms import NOT_SAID
from ..choices import Affiliation, AgeBand, Gender, Region
from ..forms import Form, NotImpersonating, strip
from ..models.attendance import REASON_LENGTH
from ..models.codes import first_foreign, normalise_code


class WalkInForm(Form):
    name = StringField(
        lazy_pgettext("name of a person", "Name"), filters=[strip],
        validators=[DataRequired(), Length(max=60), NotImpersonating()],
        description=_l("As the person wants it on the list and on their certificate. No account "
                        "needed: you get a code for them to claim the certificate, signed in."),
    )
    consent = BooleanField(
        _l("The person agrees that the answers below are counted in anonymous totals.")
    )
    age_band = SelectField(_l("Age"), choices=AgeBand.choices(NOT_SAID), default="")
    gender = SelectField(_l("Gender"), choices=Gender.choices(NOT_SAID), default="")
    affiliation = SelectField(_l("Affiliation"), choices=Affiliation.choices(NOT_SAID),
                              default="")
    region = SelectField(_l("Region"), choices=Region.choices(NOT_SAID), default="")
    # Asked only once the attendance is final, of an admin (the service
    # requires it then: ``participation.services.attendance_refusal``).
    reason = StringField(_l("Reason for the correction"), filters=[strip],
                         validators=[Length(max=REASON_LENGTH)])


class CorrectionForm(Form):
    """The reason an admin gives for changing final attendance (the check-in
    toggle), cleaned like every single-line field."""

    reason = StringField(_l("Reason for the correction"), filters=[strip],
                         validators=[Length(max=REASON_LENGTH)])


class LatinCode:
    """A code holds Latin letters and digits only (after ``normalise_code``):
    the error names the character that is not one, since on a phone it may
    look just like one (Ө, Ñ)."""

    def __call__(self, form, field):
        if field.errors:  # an invisible or control character: the cleaner said so
            return
        foreign = first_foreign(field.data or "")
        if foreign is not None:
            raise ValidationError(_("The code has Latin letters and digits only, as shown at "
                                    "the venue, and “%(character)s” is not one of them. Please "
                                    "type it again in Latin letters.", character=foreign))


class CheckInForm(Form):
    code = StringField(
        _l("Check-in code"), filters=[strip, normalise_code],
        validators=[DataRequired(), Length(max=20), LatinCode()],
        description=_l("The code shown at the venue."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
