"""The admins' forms. Sanctions use moderation.forms.SanctionForm; a club's
refusal, clubs.forms.RefusalForm."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..choices import SiteRole, as_choices
from ..forms import Form, strip

REASON_MAX = 500
# What each site role lets a person do (SiteRole has no labels of its own:
# only admins ever see it).
SITE_ROLE_LABELS = {
    SiteRole.CITIZEN: _l("Citizen: takes part, founds clubs"),
    SiteRole.MODERATOR: _l("Site moderator: moderates every club’s discussions, sanctions people"),
    SiteRole.ADMIN: _l("Admin: everything, including people’s roles and club verification"),
}


# The same roles, named shortly (in a sentence such as the role-change flash).
SITE_ROLE_NAMES = {
    SiteRole.CITIZEN: _l("Citizen"),
    SiteRole.MODERATOR: _l("Site moderator"),
    SiteRole.ADMIN: _l("Site admin"),
}


def site_role_label(role: str) -> str:
    return str(SITE_ROLE_LABELS.get(role, role))


def site_role_name(role: str) -> str:
    return str(SITE_ROLE_NAMES.get(role, role))


def _reason(description):
    return TextAreaField(_l("Reason"), filters=[strip],
                         validators=[DataRequired(), Length(max=REASON_MAX)],
                         description=description, render_kw={"rows": 3})


class SiteRoleForm(Form):
    role = SelectField(_l("Site role"), choices=as_choices(SITE_ROLE_LABELS),
                       validators=[DataRequired()])
    reason = _reason(_l("Kept in the moderation log with your name."))


class EndSessionsForm(Form):
    reason = _reason(_l("Kept in the moderation log with your name. The person is not told; "
                        "they are asked to log in again."))
