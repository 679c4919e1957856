"""The ``tokensite.*`` settings, parsed and checked once at start-up.

Every key of CONTRACT §3 is read here and nowhere else; the rest of the code asks
``request.registry.tokensite`` (a frozen :class:`Settings`).  Secrets and URLs may
come from the environment, which wins over the .ini so that production.ini can be
committed without them.
"""
from __future__ import annotations

import dataclasses
import os
import re

from pyramid.exceptions import ConfigurationError
from pyramid.settings import asbool

#: environment variable -> setting key it overrides
ENVIRONMENT_OVERRIDES = {
    "TOKENSITE_DATABASE_URL": "sqlalchemy.url",
    "TOKENSITE_SESSION_SECRET": "tokensite.session.secret",
    "TOKENSITE_RATELIMIT_STORAGE": "tokensite.ratelimit.storage",
}

MIN_SECRET_LENGTH = 32
_RATE = re.compile(r"^\s*\d+\s*(/|per)\s*\d*\s*(second|minute|hour|day|month|year)s?\s*$", re.I)
_PREFIX = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
_PATH = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")
_BOOLEANS = {"true", "false", "yes", "no", "on", "off", "1", "0", "y", "n", "t", "f"}


@dataclasses.dataclass(frozen=True)
class Settings:
    api_enabled: bool = True
    api_prefix: str = "/api"
    token_prefix: str = "tks_"
    token_expiration_minutes: int | None = None
    last_used_resolution_seconds: int = 60
    max_tokens_per_user: int = 100
    session_secret: str | None = dataclasses.field(default=None, repr=False)  # never in a log line
    session_secure: bool = False
    session_idle_timeout_seconds: int = 7200
    session_lifetime_seconds: int = 1209600
    ratelimit_storage: str = "memory://"
    ratelimit_api: str = "600/minute"
    ratelimit_login: str = "5/minute"


def apply_environment(settings: dict, environ=os.environ) -> dict:
    """Return ``settings`` with the TOKENSITE_* environment variables applied."""
    merged = dict(settings)
    for variable, key in ENVIRONMENT_OVERRIDES.items():
        if environ.get(variable):
            merged[key] = environ[variable]
    return merged


def parse(settings: dict) -> Settings:
    """Validate the ``tokensite.*`` keys; raise ConfigurationError naming the bad key."""
    defaults = Settings()

    def text(key, default):
        value = settings.get(key)
        return default if value is None or str(value).strip() == "" else str(value).strip()

    def integer(key, default, minimum, allow_empty=False):
        raw = settings.get(key)
        if raw is None or str(raw).strip() == "":
            return None if allow_empty else default
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ConfigurationError(f"{key} must be a whole number, not {raw!r}") from None
        if value < minimum:
            raise ConfigurationError(f"{key} must be at least {minimum}, not {value}")
        return value

    def boolean(key, default):
        raw = settings.get(key)
        if raw is None or str(raw).strip() == "":
            return default
        if str(raw).strip().lower() not in _BOOLEANS:
            raise ConfigurationError(f"{key} must be true or false, not {raw!r}")
        return asbool(raw)

    def rate(key, default):
        value = text(key, default)
        if not _RATE.match(value):
            raise ConfigurationError(f"{key} must look like '600/minute', not {value!r}")
        return value

    prefix = "/" + text("tokensite.api.prefix", defaults.api_prefix).strip("/")
    if prefix == "/":
        raise ConfigurationError("tokensite.api.prefix must name a path such as /api, not the site root")
    if not _PATH.match(prefix):
        raise ConfigurationError(
            f"tokensite.api.prefix must be a path of letters, digits, '.', '_', '~' or '-', not {prefix!r}")
    token_prefix = text("tokensite.tokens.prefix", defaults.token_prefix)
    if not _PREFIX.match(token_prefix):
        raise ConfigurationError(
            f"tokensite.tokens.prefix must be 1-20 letters, digits, '_' or '-', not {token_prefix!r}")
    return Settings(
        api_enabled=boolean("tokensite.features.api", defaults.api_enabled),
        api_prefix=prefix,
        token_prefix=token_prefix,
        token_expiration_minutes=integer("tokensite.tokens.expiration", None, 1, allow_empty=True),
        last_used_resolution_seconds=integer(
            "tokensite.tokens.last_used_resolution", defaults.last_used_resolution_seconds, 0),
        max_tokens_per_user=integer("tokensite.tokens.max_per_user", defaults.max_tokens_per_user, 1),
        session_secret=settings.get("tokensite.session.secret") or None,
        session_secure=boolean("tokensite.session.secure", defaults.session_secure),
        session_idle_timeout_seconds=integer(
            "tokensite.session.idle_timeout", defaults.session_idle_timeout_seconds, 1),
        session_lifetime_seconds=integer("tokensite.session.lifetime", defaults.session_lifetime_seconds, 1),
        ratelimit_storage=text("tokensite.ratelimit.storage", defaults.ratelimit_storage),
        ratelimit_api=rate("tokensite.ratelimit.api", defaults.ratelimit_api),
        ratelimit_login=rate("tokensite.ratelimit.login", defaults.ratelimit_login),
    )


def require_session_secret(settings: Settings) -> str:
    """The session secret, or a ConfigurationError that says where to set one."""
    secret = settings.session_secret or ""
    if len(secret) < MIN_SECRET_LENGTH:
        problem = "is missing" if not secret else f"is {len(secret)} characters long"
        raise ConfigurationError(
            f"tokensite.session.secret {problem}: set it (or the environment variable "
            f"TOKENSITE_SESSION_SECRET) to a random value of at least {MIN_SECRET_LENGTH} characters, "
            "e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'")
    return secret


def includeme(config):
    """Parse the settings once; everything after this reads ``registry.tokensite``."""
    config.registry.tokensite = parse(config.get_settings())
