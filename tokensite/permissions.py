"""The site's permissions, and the token permissions it registers (as Jetstream's
``Jetstream::permissions([...])`` and ``defaultApiTokenPermissions([...])`` do)."""
from __future__ import annotations

from enum import StrEnum


class PostPermission(StrEnum):
    """Abilities an API token may carry; in this order on the token pages."""

    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"


class AccountPermission(StrEnum):
    """Session-only: no token can ever manage tokens or accounts."""

    MANAGE = "account:manage"


def includeme(config):
    config.add_token_permissions(*map(str, PostPermission))
    config.set_default_token_permissions(str(PostPermission.READ))
