"""People: accounts, site roles and consented demographics."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, SmallInteger, String, func, select
from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column, validates
from werkzeug.security import check_password_hash, generate_password_hash

from ..choices import SiteRole
from ..dbtypes import UTCDateTime, one_of, utcnow
from ..extensions import db
from ..search import search_index, stored_key
from .attendance import RECORD_KEY_RANGE, new_record_key


def new_token() -> str:
    """A random secret for a cookie or an address: 22 URL-safe characters."""
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(one_of("site_role", SiteRole.values()), name="site_role"),
        CheckConstraint(RECORD_KEY_RANGE, name="record_key"),
        search_index("users"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Used to log in; never shown publicly. Stored lower-case.
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    # The display name folded for the admins' search (``search.stored_key``),
    # kept current by ``_fold_display_name``.
    search_key: Mapped[str] = mapped_column(Text, default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(254))
    # When the person opened the link mailed to ``email`` (None: unconfirmed,
    # and no mail goes there but the confirmation itself).
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(String(5))
    site_role: Mapped[str] = mapped_column(String(10), default=SiteRole.CITIZEN.value)
    # Part of the login cookie: rotating it ends every other session.
    session_token: Mapped[str] = mapped_column(String(32), default=new_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Self-declared, optional, only with consent; reported only in aggregate.
    demographics_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    age_band: Mapped[str | None] = mapped_column(String(10))
    gender: Mapped[str | None] = mapped_column(String(12))
    affiliation: Mapped[str | None] = mapped_column(String(10))
    region: Mapped[str | None] = mapped_column(String(12))
    # Never shown: the person's random number for the turnout report's noise
    # (the cell-key method, see ``models.attendance``).
    record_key: Mapped[int] = mapped_column(SmallInteger, default=new_record_key)

    # Secret part of the personal calendar feed's URL; revocable.
    calendar_token: Mapped[str | None] = mapped_column(String(43), unique=True)

    muted_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    banned: Mapped[bool] = mapped_column(default=False)
    approved_comment_count: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}>"

    @validates("display_name")
    def _fold_display_name(self, _key, value):
        self.search_key = stored_key(value)
        return value

    # -- Flask-Login -------------------------------------------------------
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return not self.banned

    @classmethod
    def from_login_id(cls, login_id: str) -> User | None:
        user_id, _, token = login_id.partition(":")
        if not user_id.isdigit() or not token:
            return None
        user = db.session.get(cls, int(user_id))
        if user is None or not secrets.compare_digest(user.session_token, token):
            return None
        return user

    @classmethod
    def by_username(cls, username: str) -> User | None:
        return db.session.scalar(select(cls).where(cls.username == username.strip().lower()))

    @classmethod
    def username_taken(cls, username: str) -> bool:
        query = select(func.count()).select_from(cls).where(cls.username == username.strip().lower())
        return db.session.scalar(query) > 0

    # -- passwords and sessions -------------------------------------------
    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def end_other_sessions(self) -> None:
        """Invalidate every login cookie issued so far, this one included."""
        self.session_token = new_token()

    # -- roles ---------------------------------------------------------------
    @property
    def is_admin(self) -> bool:
        return self.site_role == SiteRole.ADMIN

    @property
    def is_site_moderator(self) -> bool:
        return self.site_role in (SiteRole.MODERATOR, SiteRole.ADMIN)

    # -- sanctions --------------------------------------------------------
    def is_muted(self, now: datetime | None = None) -> bool:
        """Muted for now: no commenting, flagging or voting until it ends."""
        return self.muted_until is not None and self.muted_until > (now or utcnow())

    # -- demographics ----------------------------------------------------
    DEMOGRAPHIC_FIELDS = ("age_band", "gender", "affiliation", "region")

    @property
    def has_demographics_consent(self) -> bool:
        return self.demographics_consent_at is not None

    def give_demographics(self, **answers: str | None) -> None:
        for field in self.DEMOGRAPHIC_FIELDS:
            setattr(self, field, answers.get(field) or None)
        self.demographics_consent_at = utcnow()

    def withdraw_demographics(self) -> None:
        for field in self.DEMOGRAPHIC_FIELDS:
            setattr(self, field, None)
        self.demographics_consent_at = None
