"""Default settings. Every one can be overridden by ``HRDEBATE_<NAME>``."""

from datetime import timedelta

LANGUAGES = ("ky", "ru", "uz", "en")
LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "uz": "Oʻzbekcha", "en": "English"}

class Defaults:
    SQLALCHEMY_DATABASE_URI = None  # set in create_app: DATABASE_URL or instance/hrdebate.sqlite
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_DEFAULT_TIMEZONE = "Asia/Bishkek"
    BABEL_TRANSLATION_DIRECTORIES = "translations"  # relative to the app root; set in create_app
    LANGUAGE_COOKIE = "lang"
    LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "hrdebate_session"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_NAME = "hrdebate_remember"

    # CSRF tokens live as long as the session: a form left open on a phone
    # for an afternoon must still submit.
    WTF_CSRF_TIME_LIMIT = None

    PASSWORD_MIN_LENGTH = 10
    PASSWORD_HASH_METHOD = "scrypt"

    # Rate limits (hrdebate/ratelimits.py; README "Rate limits"). Production
    # runs several workers and must share one Redis (redis://...): with
    # memory:// each worker counts on its own, and the app warns loudly at
    # start when it sees more than one worker. If Redis goes away, limits
    # go on in each worker's memory (with a warning in the log) instead of
    # every request failing; they return to Redis when it answers again.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # A Redis that hangs (rather than refusing) costs a request at most a
    # second before the fallback takes over; /healthz answers as quickly.
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    # Anonymous actions, per address. A venue's Wi-Fi or a carrier's NAT in
    # Osh puts a hall of 300 people (or more) behind one address, so these
    # are sized for a crowd, not a person: 300 people logging in at the
    # start of an event, a third of them mistyping once, is about 400
    # attempts in a few minutes. They stop one machine from spraying
    # guesses over many usernames at full speed; guessing one account's
    # password is stopped by the per-username limit below, whatever the
    # address.
    RATELIMIT_LOGIN = "500 per minute;3000 per hour"
    # Sign-up: a hall of 300 asked to create accounts at the door at once,
    # while one address cannot create thousands of accounts a day.
    RATELIMIT_SIGNUP = "300 per minute;1000 per hour;3000 per day"
    # Failed logins per username tried, from any address: ten wrong
    # passwords in 15 minutes pause logging in with that username until the
    # window ends (unknown usernames the same, so it tells nothing about
    # which exist). Only failures count: a person who mistypes twice and
    # then logs in has used nothing. At most 40 guesses an hour per account;
    # requests in flight together may each pass the check before the first
    # failure is counted, so the overshoot is at most the server's
    # concurrent requests (workers x threads).
    RATELIMIT_LOGIN_TARGET = "10 per 15 minutes"
    # Password reset (/auth/reset). Per address asking (as sign-up: a hall
    # of 300 on one Wi-Fi told to reset at once fits), per email address typed (its
    # folded form, hashed like a login's target; known and unknown
    # addresses count alike, so a refusal tells nothing) from one asking
    # address (so requests from elsewhere cannot lock its owner out), and
    # per account:
    # beyond RATELIMIT_RESET_ACCOUNT no further mail is queued, and the
    # answer stays the same.
    RATELIMIT_RESET = "300 per minute;1000 per hour;3000 per day"
    RATELIMIT_RESET_ADDRESS = "5 per hour;10 per day"
    RATELIMIT_RESET_ACCOUNT = "3 per hour;6 per day"
    # Mail that asks to confirm an address, per account (sign-up, a changed
    # address, the "Send the link again" button): beyond it none is queued.
    RATELIMIT_VERIFY_MAIL = "3 per hour;10 per day"
    # The same, per recipient address (folded and hashed): from one asking
    # address (a family or a class signing up together with one mailbox
    # fits), and from everywhere together, so sign-ups typing a stranger's
    # address cannot mail it again and again, and strangers elsewhere cannot
    # use up the owner's own links. Beyond either, none is queued (the
    # page says so).
    RATELIMIT_VERIFY_ADDRESS = "5 per hour;10 per day"
    RATELIMIT_VERIFY_ADDRESS_ALL = "20 per day"
    # Signed-in actions, per account (one person, wherever they are).
    # Forms that check the current password (changing it, deleting the
    # account): someone holding a borrowed or stolen session cannot use them
    # to guess the password.
    RATELIMIT_PASSWORD_CHECK = "5 per 15 minutes;20 per day"
    RATELIMIT_VOTE = "20 per minute"
    RATELIMIT_CHECKIN = "10 per minute;30 per hour"
    RATELIMIT_REGISTER = "20 per minute"
    RATELIMIT_COMMENT = "6 per minute;60 per hour"
    RATELIMIT_FLAG = "10 per minute;50 per hour"
    # Warnings and sanctions, per moderator: each of the warning page, the
    # moderation page's and the admin page's sanction form.
    RATELIMIT_WARN = "20 per hour"
    RATELIMIT_ORGANISER_MESSAGE = "5 per 10 minutes;30 per day"  # events.routes.message
    RATELIMIT_EVENT_EDIT = "30 per hour"  # events.routes.edit, published events only

    # Comments of people with fewer approved comments wait for review in
    # pre-moderated clubs.
    TRUSTED_AFTER_APPROVED_COMMENTS = 3

    # Self check-in is open from this long before the start to this long after the end.
    CHECKIN_OPENS_MINUTES_BEFORE = 60
    CHECKIN_CLOSES_MINUTES_AFTER = 60

    # Static files carry ?v=<content hash>, so they may be cached for a year.
    SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600
    COMPRESS_MIMETYPES = [
        "text/html", "text/css", "text/javascript", "application/javascript",
        "application/json", "text/csv", "text/calendar", "application/atom+xml",
        "image/svg+xml",
    ]
    # gzip at level 6 beats brotli and zstd at their default (fast) levels on our files.
    COMPRESS_ALGORITHM = ["gzip", "br", "zstd", "deflate"]
    COMPRESS_MIN_SIZE = 300

    # Notification email: SMTP when MAIL_SERVER is set; MAIL_CONSOLE prints
    # mail to the console instead (development).
    MAIL_SERVER = None
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_FROM = "hrdebate <no-reply@localhost>"
    MAIL_CONSOLE = False
    MAIL_TIMEOUT = 10  # seconds for each SMTP command
    # The outbox (hrdebate/mail/outbox.py). A worker takes MAIL_BATCH mails at
    # a time and holds them MAIL_CLAIM_SECONDS (a worker killed meanwhile:
    # another sends them after that); a failed attempt is retried after
    # MAIL_RETRY_SECONDS, doubling each time up to MAIL_RETRY_MAX_SECONDS;
    # after MAIL_GIVE_UP_HOURS a mail is marked failed (shown at /admin/mail).
    MAIL_BATCH = 20
    MAIL_CLAIM_SECONDS = 600
    MAIL_RETRY_SECONDS = 60
    MAIL_RETRY_MAX_SECONDS = 3600
    MAIL_GIVE_UP_HOURS = 48
    # A password reset link works this long, and once (auth/services.py);
    # a link to confirm an address this long.
    PASSWORD_RESET_SECONDS = 3600
    EMAIL_VERIFY_SECONDS = 7 * 24 * 3600

    # The job queue of the background worker (hrdebate/jobs.py): None keeps it
    # in instance/jobs.sqlite (one machine); sqlite:////path/jobs.sqlite puts
    # that file elsewhere; production with several hosts uses Redis:
    # redis://host:6379/1. memory:// (tests) queues tasks that never run.
    JOBS_URL = None

    # The periodic jobs (hrdebate/periodic/, issue #13).
    # Reminders: everyone holding a seat at a published event is mailed once
    # in the REMINDER_HOURS before its start (at the worker's next tick after
    # the window opens or they get the seat). An event moved later by more
    # than REMINDER_REARM_HOURS after its reminders went out reminds its
    # people again, in the REMINDER_HOURS before the new start.
    REMINDER_HOURS = 24
    REMINDER_REARM_HOURS = 6
    # Retention (hrdebate/periodic/retention.py, told on /privacy), daily:
    # RETENTION_ATTENDANCE_DAYS after an event ended, walk-ins' names (of
    # certificates nobody claimed, with their claim codes), who checked each
    # person in and the time of check-in (it becomes the event's start) are
    # erased; who came, and so every turnout figure, stays. Read notifications
    # are deleted RETENTION_READ_NOTIFICATION_DAYS after they were written;
    # unanswered club invitations are marked expired after INVITATION_DAYS;
    # outbox rows are deleted RETENTION_SENT_MAIL_DAYS after they were written
    # when sent or dropped, RETENTION_FAILED_MAIL_DAYS when failed (they hold
    # no text and no link: mail is composed when it leaves).
    RETENTION_ATTENDANCE_DAYS = 180
    RETENTION_READ_NOTIFICATION_DAYS = 180
    RETENTION_SENT_MAIL_DAYS = 30
    RETENTION_FAILED_MAIL_DAYS = 90

    # The page cache (hrdebate/pagecache.py, README "Page cache"): anonymous
    # pages and rendered threads are kept until a write changes what they
    # show (the database says when: any backend is correct). SimpleCache keeps
    # them in each worker's memory; CACHE_TYPE=RedisCache with
    # CACHE_REDIS_URL=redis://host:6379/2 shares them between workers and hosts.
    PAGE_CACHE_ENABLED = True
    # An entry lives this long at most: what changes with the clock alone (an
    # event that has started) shows at most this late.
    PAGE_CACHE_SECONDS = 30
    # Cache-Control s-maxage of a public page: how long a reverse proxy may
    # answer it without asking (0: it asks each time, ETag/304).
    PAGE_CACHE_PROXY_SECONDS = 5
    CACHE_TYPE = "SimpleCache"
    # Entries per worker: a crawler asking for endless searches keeps at
    # most this many pages (about 30 KB each, plain and gzipped).
    CACHE_THRESHOLD = 500
    CACHE_KEY_PREFIX = "hrdebate-cache:"

    # Number of proxies in front of the app that set X-Forwarded-* headers.
    PROXY_COUNT = 0

    # Sessions (auth/sessions.py). A session without "remember me" ends after
    # this long without a request: long enough for a debate evening (an
    # organiser checks people in, the debate runs two hours or so, then the
    # organiser marks attendance), short enough that a phone lost on the way
    # home or a computer left signed in at a library is signed out by the
    # night. "Remember me" keeps a device signed in for REMEMBER_COOKIE_DURATION
    # after the password was given, counted on the server and never extended.
    SESSION_IDLE_MINUTES = 180
    REMEMBER_COOKIE_REFRESH_EACH_REQUEST = False

    # Absolute links (mail, feeds, canonical and og:url, certificates, the
    # check-in QR code) start with BASE_URL, never with the request's Host
    # header (DESIGN §8): scheme and host, e.g. https://hrdebate.kg, no path.
    # The default is where `make run` serves the site.
    BASE_URL = "http://127.0.0.1:5000"
    # Requests for other hosts are refused with 400 (Flask's own check; behind
    # a proxy it applies to X-Forwarded-Host). None: the base URL's host and
    # the loopback names localhost and 127.0.0.1 (make run, the test client, a
    # health check on the machine itself). A list (HRDEBATE_TRUSTED_HOSTS, in
    # JSON; ".hrdebate.kg" means every subdomain) replaces the loopback names;
    # the base URL's host is always added.
    TRUSTED_HOSTS = None

    # Turnout demographics across reports (DESIGN §8, README "Small groups").
    # An event's attendance is final this many days after it ends: organisers
    # can no longer change it (admins can, with a logged reason), and only
    # then do its people count in the demographic tables.
    ATTENDANCE_LOCK_DAYS = 3
    # Demographic tables only for a selection with at least this many
    # consenting people (as perturbed) at events whose attendance is final.
    TURNOUT_DEMOGRAPHICS_MIN_PEOPLE = 20
    # Club invitations (DESIGN §8: nobody becomes a member without accepting).
    # An invitation not answered within this many days can no longer be
    # accepted; inviting by username is limited per inviting account.
    INVITATION_DAYS = 14
    RATELIMIT_INVITE = "20 per hour;50 per day"

    # Images (hrdebate/images, issue #12): an event's cover and a club's logo,
    # decoded and re-encoded with Pillow (which drops EXIF and GPS), stored as
    # files in IMAGE_FOLDER (None: instance/images) and served from our origin.
    IMAGE_FOLDER = None
    # An upload larger than this gets a translated 413 page. The whole
    # request (MAX_CONTENT_LENGTH, every form) may be this plus 256 KB, unless
    # MAX_CONTENT_LENGTH is set on its own.
    IMAGE_MAX_BYTES = 5 * 1024 * 1024
    # More pixels than this is refused before decoding (a "decompression
    # bomb": a small file that unpacks to gigabytes). 50 MP takes a 48 MP
    # phone photo.
    IMAGE_MAX_PIXELS = 50_000_000
    # A PNG or WebP is decoded whole (a JPEG at a fraction of its size), so
    # it may have fewer: 16 MP is a 4000 × 4000 picture, some 64 MB decoded.
    IMAGE_MAX_LOSSLESS_PIXELS = 16_000_000
    # WebP quality of what we store (0-100).
    IMAGE_QUALITY = 78
    # Decoding a photo costs CPU: uploads per account.
    RATELIMIT_IMAGE_UPLOAD = "30 per hour"
