"""Absolute links and the hosts we answer (DESIGN §8).

Every link that leaves the site (mail, calendar and Atom feeds, canonical
and og:url, certificates, the check-in QR code) is built by
``absolute_url_for``: the configured ``BASE_URL`` and the route's path, never
the Host header of the request that happened to build it, which anyone can
set. ``absolute_url_for`` also works without a request (a job run from the
command line).

A request for a host not in ``TRUSTED_HOSTS`` is refused with 400. The check
is Flask's own (``TRUSTED_HOSTS``, Werkzeug's ``get_host``); behind a proxy
(``PROXY_COUNT``) it applies to the X-Forwarded-Host that ProxyFix took, so a
forged one is refused too. This is the one module that reads the request's
host (tests/test_architecture.py).
"""

from urllib.parse import quote, urlsplit

from flask import current_app, render_template, request
from werkzeug.exceptions import SecurityError
from werkzeug.sansio.utils import host_is_trusted
from werkzeug.wsgi import get_host

# Names that only reach the app from the machine itself: make run, the test
# client, a health check on the server. Trusted unless TRUSTED_HOSTS is set.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")
DEFAULT_PORTS = {"http": 80, "https": 443}


def absolute_url_for(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` as a full URL on ``BASE_URL``.
    ``endpoint`` is the full name (``"events.show"``, not ``".show"``);
    ``_anchor`` works as in ``url_for``."""
    app = current_app
    anchor = values.pop("_anchor", None)
    app.inject_url_defaults(endpoint, values)
    base = urlsplit(app.config["BASE_URL"])
    adapter = app.url_map.bind(base.netloc, url_scheme=base.scheme)
    url = adapter.build(endpoint, values, force_external=True)
    if anchor is not None:
        url += "#" + quote(anchor, safe="%!#$&'()*+,/:;=?@")  # as url_for does
    return url


def same_site_path(url: str | None) -> str | None:
    """The path and query of ``url`` if it is a page of this site, as the
    browser addressed it (the request's own, trusted, host), else None."""
    parts = urlsplit(url or "")
    if not parts.netloc or parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


# -- the settings, checked once at start -----------------------------------------

def normalise_base_url(value) -> str:
    """``scheme://host[:port]``, lower case, without a default port or a
    trailing slash; anything else stops the start with the reason."""
    def refuse(reason: str):
        return ValueError(f"HRDEBATE_BASE_URL {value!r}: {reason}. "
                          "Write it as https://hrdebate.kg (scheme and host, nothing else).")

    if not isinstance(value, str):
        raise refuse("not a text")
    parts = urlsplit(value.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise refuse("the scheme must be http or https")
    if parts.username is not None or parts.password is not None:
        raise refuse("no user name or password")
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise refuse("no query or fragment")
    if parts.path not in ("", "/"):
        # Pages link to themselves from the root (url_for), so a prefix here
        # would send mail to one place and the site to another.
        raise refuse("no path: hrdebate is served at the root of its host")
    try:
        port = parts.port
    except ValueError:
        raise refuse("the port must be a number from 1 to 65535") from None
    host = (parts.hostname or "").lower()
    if ":" in host:
        # Werkzeug's trusted-host check cannot match an IPv6 address.
        raise refuse("a host name or IPv4 address, not IPv6")
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if not host or port == 0 or not host_is_trusted(netloc):
        raise refuse("a host name (in ASCII, e.g. xn--... for other letters) is needed")
    return f"{scheme}://{netloc}"


def trusted_hosts(value, base_url: str) -> list[str]:
    """The hosts to answer: the base URL's, and either ``value`` (a list of
    host names; ``.hrdebate.kg`` means every subdomain) or, when it is None,
    the loopback names."""
    def refuse(reason: str):
        return ValueError(f"HRDEBATE_TRUSTED_HOSTS {value!r}: {reason}. "
                          'Write it as a JSON list: \'["hrdebate.kg", "www.hrdebate.kg"]\'.')

    if value is not None and not isinstance(value, (list, tuple)):
        raise refuse("not a list")
    for name in value or ():
        if not isinstance(name, str) or ":" in name \
                or not host_is_trusted(name.removeprefix(".")):
            raise refuse(f"{name!r} is not a host name (no scheme, port or path)")
    base_host = urlsplit(base_url).hostname
    names = [base_host, *LOOPBACK_HOSTS] if value is None else [*value, base_host]
    return list(dict.fromkeys(name.lower() for name in names))  # in order, once each


# -- refusing other hosts ------------------------------------------------------------

def _refuse_unknown_host():
    """First of the app's before-request hooks: a request for an unknown host
    goes no further (no CSRF check, rate limit or view builds its answer)."""
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception


def trusted_host(app, environ) -> bool:
    """Whether a WSGI request names a host the site answers (the same check
    Flask makes, for what answers before it: the page cache's fast path)."""
    try:
        get_host(environ, trusted_hosts=app.config["TRUSTED_HOSTS"])
    except SecurityError:
        return False
    return True


def _unknown_host(_error):
    # A page of its own: the usual error page builds links with url_for,
    # which Flask cannot do for a request whose host it refused.
    return render_template("errors/unknown_host.html"), 400


def init_app(app):
    """Check the settings and register the link builder. Call it before any
    extension adds a before-request hook, so that ours runs first."""
    app.config["BASE_URL"] = normalise_base_url(app.config.get("BASE_URL"))
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config.get("TRUSTED_HOSTS"),
                                                app.config["BASE_URL"])
    app.before_request(_refuse_unknown_host)
    app.register_error_handler(SecurityError, _unknown_host)
    app.jinja_env.globals["absolute_url_for"] = absolute_url_for
