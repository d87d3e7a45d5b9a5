"""The page cache's generations (hrdebate/pagecache.py): one row per table
that public pages read, whose number goes up in the transaction of every
write to that table."""

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db


class PageGeneration(db.Model):
    __tablename__ = "page_generations"

    table: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, default=1)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
