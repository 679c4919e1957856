"""``config.add_token_permissions`` and ``config.set_default_token_permissions``.

The registered permissions are the abilities a token may carry and the checkboxes
of the token pages, in registration order; each may carry a one-line description
(``("create", "Publish new posts")``), shown beside its checkbox.  Both directives are deferred actions:
the defaults are checked against the complete list at ``config.commit()``, so the
order in which an app calls them does not matter, and a second, different set of
defaults conflicts like any other Pyramid configuration.
"""
from __future__ import annotations

from pyramid.exceptions import ConfigurationError

from .abilities import WILDCARD

INTROSPECTION_CATEGORY = "tokensite token permissions"
# the defaults are checked after every permission has been added
VALIDATE_DEFAULTS_ORDER = 10


class TokenPermissions:
    """The ordered, duplicate-free permission list, their descriptions and the pre-checked defaults."""

    def __init__(self):
        self.names: list[str] = []
        self.defaults: tuple[str, ...] = ()
        #: name -> one-line description, for the permissions registered with one
        self.descriptions: dict[str, str] = {}

    def __contains__(self, name) -> bool:
        return name in self.names

    def unknown(self, names) -> list[str]:
        """Those of ``names`` that are not registered permissions."""
        return [name for name in names if name not in self.names]

    def add(self, *permissions: str | tuple[str, str | None]) -> None:
        """Add names or ``(name, description or None)`` pairs; the first description given for a name stays."""
        for permission in permissions:
            name, description = (permission, None) if isinstance(permission, str) else permission
            if name not in self.names:
                self.names.append(name)
            if description is not None:
                self.descriptions.setdefault(name, description)

    def set_defaults(self, names) -> None:
        unknown = self.unknown(names)
        if unknown:
            raise ConfigurationError(
                f"default token permissions {unknown} are not registered permissions {self.names}: "
                "add them with config.add_token_permissions() first")
        self.defaults = tuple(dict.fromkeys(names))


def _check_name(name) -> str:
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise ConfigurationError(f"a token permission is a non-empty string without surrounding spaces: {name!r}")
    if name == WILDCARD:
        raise ConfigurationError("'*' is the wildcard ability, not a permission that can be registered")
    return name


def _check_description(name: str, description) -> str:
    if (not isinstance(description, str) or not description.strip() or description != description.strip()
            or "\n" in description or "\r" in description):
        raise ConfigurationError(f"the description of token permission {name!r} is one non-empty line of text "
                                 f"without surrounding spaces: {description!r}")
    return description


def _check_permission(permission) -> tuple[str, str | None]:
    """A name, or a ``(name, description)`` pair, as ``(name, description or None)``."""
    if isinstance(permission, tuple) and len(permission) == 2:
        name = _check_name(permission[0])
        return name, _check_description(name, permission[1])
    return _check_name(permission), None


def add_token_permissions(config, *permissions) -> None:
    """Register abilities that tokens may carry, each a name or a ``(name, description)`` pair
    (registering one twice is harmless)."""
    permissions = tuple(_check_permission(permission) for permission in permissions)
    introspectables = []
    for name, description in permissions:
        intr = config.introspectable(INTROSPECTION_CATEGORY, name, name, "token permission")
        intr["description"] = description
        introspectables.append(intr)
    config.action(None, config.registry.token_permissions.add, args=permissions, introspectables=introspectables)


def set_default_token_permissions(config, *names: str) -> None:
    """Choose the permissions pre-checked on the create form (a subset of the registered ones)."""
    names = tuple(_check_name(name) for name in names)
    permissions = config.registry.token_permissions
    config.action("tokensite.default_token_permissions", permissions.set_defaults, args=(names,),
                  order=VALIDATE_DEFAULTS_ORDER)
