"""The dashboard's filters: a plain GET form (no CSRF: it changes nothing)."""

from collections.abc import Iterator

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from ..choices import as_choices
from ..forms import Form
from .dimensions import TurnoutDimension


class TurnoutFilterForm(Form):
    class Meta:
        csrf = False

    start = DateField(_l("First day"), validators=[Optional()],
                      description=_l("Events starting on or after this day (Bishkek time)."))
    end = DateField(_l("Last day"), validators=[Optional()],
                    description=_l("Events starting on or before this day (Bishkek time)."))
    club = SelectField(_l("Club"), default="")
    kind = SelectField(_l("Kind"), default="",
                       choices=as_choices(TurnoutDimension.KIND.names, blank=_l("All kinds")))
    region = SelectField(_l("Region"), default="",
                         choices=as_choices(TurnoutDimension.REGION.names,
                                            blank=_l("All regions")))
    quarter = SelectField(
        _l("Quarter of “Who took part”"),
        description=_l("The tables of who took part always describe one closed calendar "
                       "quarter, in the chosen club or all clubs: the other filters do not "
                       "apply to them."))

    def __init__(self, formdata, reach, quarters, **kwargs):
        """``reach``: the clubs the person may see (``services.Reach``);
        ``quarters``: the closed quarters offered, newest first (the default)."""
        super().__init__(formdata=formdata, **kwargs)
        self.quarter.choices = [SelectChoice(q.code, q.label) for q in quarters]
        if not self.quarter.raw_data:
            self.quarter.data = quarters[0].code
        blank = _l("All clubs") if reach.every_club else _l("All my clubs")
        self.club.choices = [SelectChoice("", blank)] + [
            SelectChoice(club.slug, club.name) for club in reach.clubs]

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end date cannot be before the start date."))

    def in_use(self) -> Iterator[tuple[str, str, str]]:
        """(name, label, value) of each filter in use, for the export."""
        args = self.as_args()
        for name in ("start", "end", "club", "kind", "region", "quarter"):
            if name in args:
                yield name, str(self[name].label.text), args[name]

    def as_args(self) -> dict:
        """The filters in use, for links that keep them (pager, export)."""
        args = {name: self[name].data for name in ("club", "kind", "region", "quarter")
                if self[name].data}
        for name in ("start", "end"):
            if self[name].data:
                args[name] = self[name].data.isoformat()
        return args
