"""The ``tokensite.*`` settings, parsed and checked once at start-up.

Every site key of the README's Settings table is read here and nowhere else; the
rest of the site asks ``request.registry.tokensite`` (a frozen :class:`Settings`).
The token add-on reads its own ``tokensite.tokens.*`` (``tokensite.tokens.settings``), and
the database its ``sqlalchemy.*`` and ``tokensite.database.*`` (``tokensite.models``).
Secrets and URLs may come from the environment, which wins over the .ini so that
production.ini can be committed without them.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import math
import os
import re
import urllib.parse

from pyramid.exceptions import ConfigurationError

from .ratelimit import ON_FAILURE
from .tokens.settings import SettingsReader

#: environment variable -> setting key it overrides
ENVIRONMENT_OVERRIDES = {
    "TOKENSITE_DATABASE_URL": "sqlalchemy.url",
    "TOKENSITE_SESSION_SECRET": "tokensite.session.secret",
    "TOKENSITE_RATELIMIT_STORAGE": "tokensite.ratelimit.storage",
}

MIN_SECRET_LENGTH = 32
#: with ``tokensite.session.secure`` (production) a secret must mix at least this many characters
MIN_SECRET_VARIETY = 10
#: development.ini's published secret, refused in production
DEVELOPMENT_SECRET = "dev-only-secret-change-me-0123456789abcdef"
#: the smallest tokensite.limits.max_body: every form of the site fits in it
MIN_MAX_BODY = 1024
#: the longest tokensite.ratelimit.timeout: the store is asked on the way of every API request
MAX_STORE_TIMEOUT = 10.0
#: tokensite.mail.transport: through mail.*'s SMTP server, as .eml files into a folder, or nowhere
MAIL_TRANSPORTS = ("smtp", "files", "none")
_RATE = re.compile(r"^\s*\d+\s*(/|per)\s*\d*\s*(second|minute|hour|day|month|year)s?\s*$", re.I)


@dataclasses.dataclass(frozen=True)
class Settings:
    """The site's settings; the token add-on's (``tokensite.tokens.*``) are its own."""

    api_enabled: bool = True
    api_prefix: str = "/api"
    session_secret: str | None = dataclasses.field(default=None, repr=False)  # never in a log line
    session_secure: bool = False
    session_idle_timeout_seconds: int = 7200
    session_lifetime_seconds: int = 1209600
    ratelimit_storage: str = "memory://"
    ratelimit_api: str = "600/minute"
    ratelimit_login: str = "5/minute"
    ratelimit_anonymous: str = "60/minute"
    ratelimit_register: str = "10/hour"
    ratelimit_timeout: float = 0.5  # seconds the store may take to answer
    ratelimit_on_failure: str = "allow"  # or "deny": what a request gets when the store fails
    proxy_trusted: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    max_body_bytes: int = 1_048_576
    mail_transport: str = "smtp"
    #: where the ``files`` transport writes; relative to the ini's folder (``compose``)
    mail_folder: str = "var/mail"
    mail_sender: str = "tokensite@localhost"
    #: the site's public address for the links in mail; None: the address each request came to
    mail_site_url: str | None = None
    #: origins allowed to call the API from a browser (``("*",)``: any); empty: CORS off
    api_cors_origins: tuple[str, ...] = ()


def apply_environment(settings: dict, environ=os.environ) -> dict:
    """Return ``settings`` with the TOKENSITE_* environment variables applied."""
    merged = dict(settings)
    for variable, key in ENVIRONMENT_OVERRIDES.items():
        if environ.get(variable):
            merged[key] = environ[variable]
    return merged


def compose(settings: dict, here: str | None = None) -> dict:
    """``settings`` with the token add-on's bearer area set from the site's API switch and prefix
    (bearer tokens count under the API prefix, and nowhere when the API feature is off), and the
    mail folder made absolute beside the ini, whose folder is ``here``."""
    site = parse(settings)
    composed = {**settings, "tokensite.tokens.bearer_prefix": site.api_prefix if site.api_enabled else ""}
    if here:
        composed["tokensite.mail.folder"] = os.path.join(here, site.mail_folder)
    return composed


def parse(settings: dict) -> Settings:
    """Validate the site's ``tokensite.*`` keys; raise ConfigurationError naming the bad key."""
    read, defaults = SettingsReader(settings), Settings()

    def rate(key, default):
        value = read.text(key, default)
        if not _RATE.match(value):
            raise ConfigurationError(f"{key} must look like '600/minute', not {value!r}")
        return value

    def seconds(key, default):
        raw = read.raw(key)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not 0 < value <= MAX_STORE_TIMEOUT:
            raise ConfigurationError(f"{key} must be a number of seconds above 0 and at most "
                                     f"{MAX_STORE_TIMEOUT:g}, not {raw!r}")
        return value

    def networks(key):
        parsed = []
        for entry in (read.raw(key) or "").split():
            try:
                parsed.append(ipaddress.ip_network(entry))
            except ValueError as error:
                raise ConfigurationError(
                    f"{key} must be space-separated IP addresses or networks (10.0.0.0/8), "
                    f"not {entry!r}: {error}") from None
        return tuple(parsed)

    def choice(key, default, choices):
        value = read.text(key, default)
        if value not in choices:
            raise ConfigurationError(f"{key} must be one of {', '.join(choices)}, not {value!r}")
        return value

    def site_url(key):
        value = read.raw(key)
        if value is None:
            return None
        parsed = urllib.parse.urlsplit(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query or parsed.fragment:
            raise ConfigurationError(f"{key} must be the site's address such as https://tokens.example.com, "
                                     f"not {value!r}")
        return value.rstrip("/")

    # pyramid_mailer reads mail.*; its numbers and switches are checked here, so a typo fails at start-up
    read.integer("mail.port", None, 1)
    read.boolean("mail.tls", False)
    read.boolean("mail.ssl", False)
    return Settings(
        api_enabled=read.boolean("tokensite.features.api", defaults.api_enabled),
        api_prefix=read.path_prefix("tokensite.api.prefix", defaults.api_prefix),
        session_secret=settings.get("tokensite.session.secret") or None,
        session_secure=read.boolean("tokensite.session.secure", defaults.session_secure),
        session_idle_timeout_seconds=read.integer(
            "tokensite.session.idle_timeout", defaults.session_idle_timeout_seconds, 1),
        session_lifetime_seconds=read.integer("tokensite.session.lifetime", defaults.session_lifetime_seconds, 1),
        ratelimit_storage=read.text("tokensite.ratelimit.storage", defaults.ratelimit_storage),
        ratelimit_api=rate("tokensite.ratelimit.api", defaults.ratelimit_api),
        ratelimit_login=rate("tokensite.ratelimit.login", defaults.ratelimit_login),
        ratelimit_anonymous=rate("tokensite.ratelimit.anonymous", defaults.ratelimit_anonymous),
        ratelimit_register=rate("tokensite.ratelimit.register", defaults.ratelimit_register),
        ratelimit_timeout=seconds("tokensite.ratelimit.timeout", defaults.ratelimit_timeout),
        ratelimit_on_failure=choice("tokensite.ratelimit.on_failure", defaults.ratelimit_on_failure,
                                    ON_FAILURE),
        proxy_trusted=networks("tokensite.proxy.trusted"),
        max_body_bytes=read.integer("tokensite.limits.max_body", defaults.max_body_bytes, MIN_MAX_BODY),
        mail_transport=choice("tokensite.mail.transport", defaults.mail_transport, MAIL_TRANSPORTS),
        mail_folder=read.text("tokensite.mail.folder", defaults.mail_folder),
        mail_sender=read.text("mail.default_sender", defaults.mail_sender),
        mail_site_url=site_url("tokensite.mail.site_url"),
        api_cors_origins=cors_origins("tokensite.api.cors_origins", read.raw("tokensite.api.cors_origins")),
    )


def cors_origins(key: str, value: str | None) -> tuple[str, ...]:
    """Space-separated origins (``https://app.example:8443``), or ``*`` alone, as a browser sends
    them in ``Origin``: lowercase, without the scheme's default port."""
    entries = (value or "").split()
    if entries == ["*"]:
        return ("*",)
    origins = []
    for entry in entries:
        try:
            parts = urllib.parse.urlsplit(entry.lower())
            port = parts.port
        except ValueError:
            parts = port = None
        if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.username
                or parts.password is not None or parts.path or parts.query or parts.fragment
                or entry.endswith(("?", "#"))):
            raise ConfigurationError(f"{key} must be space-separated origins such as https://app.example "
                                     f"(scheme, host and port only), or * alone, not {entry!r}")
        default_port = {"http": 80, "https": 443}[parts.scheme]
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        origins.append(f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default_port) else ""))
    return tuple(dict.fromkeys(origins))


def require_session_secret(settings: Settings) -> str:
    """The session secret, or a ConfigurationError that says where to set one.

    Production (``tokensite.session.secure``) also refuses development.ini's own secret
    and secrets of little variety (34 spaces is long enough, and worthless).
    """
    secret = settings.session_secret or ""
    problem = None
    if len(secret) < MIN_SECRET_LENGTH:
        problem = "is missing" if not secret else f"is {len(secret)} characters long"
    elif settings.session_secure and secret == DEVELOPMENT_SECRET:
        problem = "is development.ini's published value"
    elif settings.session_secure and len(set(secret)) < MIN_SECRET_VARIETY:
        problem = f"has fewer than {MIN_SECRET_VARIETY} different characters"
    if problem:
        raise ConfigurationError(
            f"tokensite.session.secret {problem}: set it (or the environment variable "
            f"TOKENSITE_SESSION_SECRET) to a random value of at least {MIN_SECRET_LENGTH} characters, "
            "e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'")
    return secret


def includeme(config):
    """Parse the settings once; everything after this reads ``registry.tokensite``."""
    config.registry.tokensite = parse(config.get_settings())
