"""The periodic jobs of the worker (``hrdebate.jobs``): importing this package
registers them with ``@periodic``.

- ``reminders`` (every tick): a mail to each seat holder in the
  ``REMINDER_HOURS`` before an event.
- ``digest`` (daily, 8 o'clock Bishkek time): what waits for each moderator.
- ``retention`` (daily, 3 o'clock): erases what /privacy says is kept only
  for a while.
- ``statistics`` (daily, 4 o'clock): the query planner's statistics
  (ANALYZE on SQLite; PostgreSQL's autovacuum keeps its own)."""

from . import digest, reminders, retention, statistics  # noqa: F401
