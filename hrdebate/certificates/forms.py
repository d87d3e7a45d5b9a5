from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..forms import Form, strip
from ..models.codes import normalise_code
from ..participation.forms import LatinCode


class ClaimForm(Form):
    """A walk-in's certificate claim code, as printed by the organisers."""

    code = StringField(
        _l("Claim code"), filters=[strip, normalise_code],
        validators=[DataRequired(), Length(max=24), LatinCode()],
        description=_l("The code the organisers gave you at the event, for example ABCD-EFGH-JKMN."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
