"""The token add-on's own settings, ``tokensite.tokens.*``, parsed and checked once.

The add-on reads nothing of the site's: an app that includes ``tokensite.tokens``
sets these keys (or takes the defaults), and the tokensite site composes them
from its own settings (``tokensite.settings.compose``).  The result is
``registry.token_settings``.
"""
from __future__ import annotations

import dataclasses
import re

from pyramid.exceptions import ConfigurationError
from pyramid.settings import asbool

_PREFIX = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
_PATH = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")
_BOOLEANS = {"true", "false", "yes", "no", "on", "off", "1", "0", "y", "n", "t", "f"}


class SettingsReader:
    """Typed reads of an .ini's settings; every refusal is a ConfigurationError naming the key."""

    def __init__(self, settings: dict):
        self.settings = settings

    def raw(self, key) -> str | None:
        value = self.settings.get(key)
        return None if value is None or str(value).strip() == "" else str(value).strip()

    def text(self, key, default):
        value = self.raw(key)
        return default if value is None else value

    def integer(self, key, default, minimum):
        raw = self.raw(key)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ConfigurationError(f"{key} must be a whole number, not {raw!r}") from None
        if value < minimum:
            raise ConfigurationError(f"{key} must be at least {minimum}, not {value}")
        return value

    def boolean(self, key, default):
        raw = self.raw(key)
        if raw is None:
            return default
        if raw.lower() not in _BOOLEANS:
            raise ConfigurationError(f"{key} must be true or false, not {raw!r}")
        return asbool(raw)

    def path_prefix(self, key, default):
        """A URL path such as ``/api`` (never the root)."""
        prefix = "/" + self.text(key, default).strip("/")
        if prefix == "/":
            raise ConfigurationError(f"{key} must name a path such as /api, not the site root")
        if not _PATH.match(prefix):
            raise ConfigurationError(
                f"{key} must be a path of letters, digits, '.', '_', '~' or '-', not {prefix!r}")
        return prefix


def is_under(path: str, prefix: str) -> bool:
    """Whether ``path`` is ``prefix`` or below it: ``/api`` and ``/api/x``, never ``/apiary``."""
    return path == prefix or path.startswith(prefix + "/")


@dataclasses.dataclass(frozen=True)
class TokenSettings:
    #: leading text of every new token, for secret scanners
    prefix: str = "tks_"
    #: global lifetime in minutes from creation, on top of any per-token expiry; None: none
    expiration_minutes: int | None = None
    #: ``last_used_at`` is written at most once per token per this many seconds
    last_used_resolution_seconds: int = 60
    max_per_user: int = 100
    #: the path prefix under which ``Authorization: Bearer`` counts; None: nowhere
    bearer_prefix: str | None = "/api"

    def is_bearer_path(self, path: str) -> bool:
        prefix = self.bearer_prefix
        return prefix is not None and is_under(path, prefix)


def parse_token_settings(settings: dict) -> TokenSettings:
    read, defaults = SettingsReader(settings), TokenSettings()
    prefix = read.text("tokensite.tokens.prefix", defaults.prefix)
    if not _PREFIX.match(prefix):
        raise ConfigurationError(
            f"tokensite.tokens.prefix must be 1-20 letters, digits, '_' or '-', not {prefix!r}")
    return TokenSettings(
        prefix=prefix,
        expiration_minutes=read.integer("tokensite.tokens.expiration", None, 1),
        last_used_resolution_seconds=read.integer(
            "tokensite.tokens.last_used_resolution", defaults.last_used_resolution_seconds, 0),
        max_per_user=read.integer("tokensite.tokens.max_per_user", defaults.max_per_user, 1),
        # set but empty: bearer tokens count nowhere (the site's API feature is off)
        bearer_prefix=(None if "tokensite.tokens.bearer_prefix" in settings
                       and read.raw("tokensite.tokens.bearer_prefix") is None
                       else read.path_prefix("tokensite.tokens.bearer_prefix", defaults.bearer_prefix)),
    )
