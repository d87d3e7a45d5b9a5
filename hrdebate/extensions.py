"""Every Flask extension, created unbound; ``create_app`` binds them."""

from flask_babel import Babel
from flask_caching import Cache
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .dbtypes import render_migration_type

# Stable constraint names, so Alembic migrations can alter them later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(
    render_as_batch=True, compare_type=True, render_item=render_migration_type
)
login = LoginManager()
babel = Babel()
# Rendered pages and fragments (hrdebate/pagecache.py).
cache = Cache()
csrf = CSRFProtect()
compress = Compress()
# Every limit names its key (ratelimits.py: per account, per address, per
# login target); the default, the client address, is kept only in the
# limiter's short-lived storage (memory or Redis), never in the database.
limiter = Limiter(key_func=get_remote_address)
