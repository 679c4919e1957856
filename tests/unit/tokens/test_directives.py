"""``add_token_permissions`` / ``set_default_token_permissions``: an ordered list without duplicates,
never the wildcard, optional one-line descriptions, and defaults that must be registered (else a
ConfigurationError at commit)."""
import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationConflictError, ConfigurationError

from tokensite.models import dispose_engines
from tokensite.tokens.directives import INTROSPECTION_CATEGORY


@pytest.fixture
def config():
    config = Configurator(settings={"sqlalchemy.url": "sqlite://"})
    config.include("tokensite.tokens")
    yield config
    dispose_engines(config.registry)


def committed(config):
    config.commit()
    return config.registry.token_permissions


def test_permissions_keep_registration_order_without_duplicates(config):
    config.add_token_permissions("create", "read")
    config.add_token_permissions("read", "update", "create", "delete")
    assert committed(config).names == ["create", "read", "update", "delete"]


def test_registering_a_permission_twice_is_harmless(config):
    config.add_token_permissions("read")
    config.add_token_permissions("read")
    assert committed(config).names == ["read"]


def test_permissions_are_introspectable(config):
    config.add_token_permissions("publish", "read")
    config.commit()
    names = [intr.title for intr in config.registry.introspector.get_category(INTROSPECTION_CATEGORY)
             for intr in [intr["introspectable"]]]
    assert sorted(names) == ["publish", "read"]


def test_a_permission_may_carry_a_description(config):
    config.add_token_permissions(("create", "Publish new posts"), "read")
    permissions = committed(config)
    assert permissions.names == ["create", "read"]
    assert permissions.descriptions == {"create": "Publish new posts"}


def test_the_first_description_of_a_permission_registered_twice_stays(config):
    config.add_token_permissions("read", ("create", "Publish new posts"))
    config.add_token_permissions(("read", "Read posts"), ("create", "Write something"))
    permissions = committed(config)
    assert permissions.names == ["read", "create"]
    assert permissions.descriptions == {"read": "Read posts", "create": "Publish new posts"}


def test_descriptions_are_introspectable(config):
    config.add_token_permissions(("publish", "Publish new posts"), "read")
    config.commit()
    described = {intr.title: intr["description"] for intr in
                 (entry["introspectable"] for entry in config.registry.introspector.get_category(INTROSPECTION_CATEGORY))}
    assert described == {"publish": "Publish new posts", "read": None}


@pytest.mark.parametrize("permission", [("*", "Everything"), ("", "Nothing"), (" read", "Read"), (None, "Read"),
                                        ("read", ""), ("read", " Read"), ("read", "Read\nposts"), ("read", 3),
                                        ("read",), ("read", "Read", "posts")])
def test_odd_descriptions_and_pairs_cannot_be_registered(config, permission):
    with pytest.raises(ConfigurationError):
        config.add_token_permissions(permission)


@pytest.mark.parametrize("defaults_first", [False, True], ids=["defaults after", "defaults before"])
def test_defaults_are_a_subset_in_any_call_order(config, defaults_first):
    calls = [lambda: config.add_token_permissions("create", "read", "update"),
             lambda: config.set_default_token_permissions("read", "update")]
    for call in reversed(calls) if defaults_first else calls:
        call()
    permissions = committed(config)
    assert permissions.defaults == ("read", "update")
    assert permissions.names == ["create", "read", "update"]


def test_no_defaults_unless_set(config):
    config.add_token_permissions("read")
    assert committed(config).defaults == ()


@pytest.mark.parametrize("defaults_first", [False, True], ids=["defaults after", "defaults before"])
def test_unregistered_default_fails_at_commit(config, defaults_first):
    calls = [lambda: config.add_token_permissions("read"),
             lambda: config.set_default_token_permissions("read", "publish")]
    for call in reversed(calls) if defaults_first else calls:
        call()  # nothing is checked yet
    with pytest.raises(ConfigurationError, match="publish"):
        config.commit()


def test_two_different_default_sets_conflict(config):
    config.add_token_permissions("read", "update")
    config.set_default_token_permissions("read")
    config.set_default_token_permissions("update")
    with pytest.raises(ConfigurationConflictError):
        config.commit()


@pytest.mark.parametrize("name", ["*", "", " read", "read ", None, 3])
def test_wildcard_and_odd_names_cannot_be_registered(config, name):
    with pytest.raises(ConfigurationError):
        config.add_token_permissions("read", name)


def test_the_wildcard_cannot_be_a_default(config):
    config.add_token_permissions("read")
    with pytest.raises(ConfigurationError):
        config.set_default_token_permissions("*")


def test_the_site_registers_crud_with_read_as_default(app):
    permissions = app.registry.token_permissions
    assert permissions.names == ["create", "read", "update", "delete"]
    assert permissions.defaults == ("read",)
    assert permissions.descriptions == {"create": "Publish new posts", "read": "Read posts",
                                        "update": "Edit your own posts", "delete": "Delete your own posts"}
