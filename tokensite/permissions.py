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


#: what each permission lets a token do, beside its checkbox on the token pages and in the OpenAPI document
DESCRIPTIONS = {
    PostPermission.CREATE: "Publish new posts",
    PostPermission.READ: "Read posts",
    PostPermission.UPDATE: "Edit your own posts",
    PostPermission.DELETE: "Delete your own posts",
}


class AccountPermission(StrEnum):
    """Session-only: no token can ever manage tokens or accounts."""

    MANAGE = "account:manage"


def includeme(config):
    config.add_token_permissions(*((str(permission), DESCRIPTIONS[permission]) for permission in PostPermission))
    config.set_default_token_permissions(str(PostPermission.READ))
