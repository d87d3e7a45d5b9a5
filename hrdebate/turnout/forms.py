"""The dashboard's filters: a plain GET form (no CSRF: it changes nothing)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from ..choices import REGIONS, as_choices
from ..events.forms import KIND_NAMES


class TurnoutFilterForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField(_l("First day"), validators=[Optional()],
                      description=_l("Events starting on or after this day (Bishkek time)."))
    end = DateField(_l("Last day"), validators=[Optional()],
                    description=_l("Events starting on or before this day (Bishkek time)."))
    club = SelectField(_l("Club"), default="")
    kind = SelectField(_l("Kind"), choices=as_choices(KIND_NAMES, blank=_l("All kinds")),
                       default="")
    region = SelectField(_l("Region"), choices=as_choices(REGIONS, blank=_l("All regions")),
                         default="")

    def __init__(self, formdata, clubs, every_club=False, **kwargs):
        """``clubs``: (id, slug, name) of the clubs the person may see;
        ``every_club``: they are all the clubs (an admin)."""
        super().__init__(formdata=formdata, **kwargs)
        blank = _l("All clubs") if every_club else _l("All my clubs")
        self.club.choices = [SelectChoice("", blank)] + [
            SelectChoice(club.slug, club.name) for club in clubs]

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end date cannot be before the start date."))

    def as_args(self) -> dict:
        """The filters in use, for links that keep them (pager, export)."""
        args = {name: self[name].data for name in ("club", "kind", "region") if self[name].data}
        for name in ("start", "end"):
            if self[name].data:
                args[name] = self[name].data.isoformat()
        return args
