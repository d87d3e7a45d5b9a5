"""Response headers, cookie hardening, safe redirects and versioned static URLs."""

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, request
from flask_login import current_user

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is a path on this site, else ``default``.

    Browsers treat ``//host``, ``/\\host``, ``\\\\host`` and ``https:host`` as
    other sites, so only a single leading slash followed by a path is kept.
    A target longer than ``MAX_NEXT`` (a long search carried along) keeps its
    path only: a proxy refuses a ``Location`` header of many kilobytes.
    """
    if not target:
        return default
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if _sent_length(target) > MAX_NEXT:
        target = parts.path if _sent_length(parts.path) <= MAX_NEXT else default
    return target


MAX_NEXT = 2000


def _sent_length(target: str) -> int:
    """How long ``target`` is in a ``Location`` header, where every byte of a
    letter beyond ASCII is written as three characters ("%D0")."""
    return sum(3 if byte > 127 else 1 for byte in target.encode())


def personal(view):
    """Marks a view whose answer is about a person even without a session
    (what a secret address opens: the calendar feed, a certificate's page):
    it is never stored, like every answer to a signed-in person."""
    view.personal = True
    return view


def _is_personal() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "personal", False) or current_user.is_authenticated


def _harden(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint == "static" or request.endpoint == "images.file" and response.status_code < 400:
        return response  # the same for everyone: _static_cache_headers, images.routes.file
    if response.mimetype == "text/html":
        response.vary.add("HX-Request")
    if _is_personal():
        # Whatever its type (page, CSV, JSON, calendar, a redirect, an error),
        # nothing answered to a signed-in person or about one stays in a
        # browser's or a proxy's cache, on a shared or seized phone.
        response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Cookie")
    elif response.mimetype == "text/html":
        response.vary.add("Cookie")
        response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


class SecureCookies:
    """WSGI middleware: on HTTPS, every cookie (session, remember-me, language)
    is marked Secure. It wraps the whole app because Flask writes the session
    cookie after the last ``after_request`` hook has run."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def secure_start_response(status, headers, exc_info=None):
            headers = [
                (name, value + "; Secure")
                if name.lower() == "set-cookie" and "; secure" not in value.lower()
                else (name, value)
                for name, value in headers
            ]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, secure_start_response)


class StaticVersions:
    """Adds ``?v=<content hash>`` to every static URL, so browsers may cache
    static files for a year and still see a new release at once."""

    def __init__(self, app):
        self.folder = Path(app.static_folder)
        self.cache: dict[str, str] = {}
        self.debug = app.debug

    def __call__(self, endpoint, values):
        if endpoint != "static" or "filename" not in values or "v" in values:
            return
        filename = values["filename"]
        version = None if self.debug else self.cache.get(filename)
        if version is None:
            path = self.folder / filename
            version = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else ""
            self.cache[filename] = version
        if version:
            values["v"] = version


def _static_cache_headers(response):
    if request.endpoint == "static" and response.status_code == 200:
        if response.direct_passthrough:
            # Our static files are small: read them whole, so the compressor
            # sends them gzip'd like a page, instead of streaming a file handle.
            response.direct_passthrough = False
            body = response.response
            try:
                data = b"".join(body)
            finally:
                body.close()
            response.set_data(data)
        if request.args.get("v"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def init_app(app):
    app.wsgi_app = SecureCookies(app.wsgi_app)
    app.url_defaults(StaticVersions(app))
    app.after_request(_static_cache_headers)
    app.after_request(_harden)
    app.jinja_env.globals["safe_next"] = safe_next
