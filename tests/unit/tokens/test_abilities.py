"""``token.can()`` / ``token.cannot()``: exact, case-sensitive, ``*`` for all."""
import pytest

from tokensite.tokens import TRANSIENT_TOKEN, AccessToken

from . import bearer_token


@pytest.mark.parametrize("abilities, ability, expected", [
    (["read"], "read", True),
    (["read", "update"], "update", True),
    (["read"], "update", False),
    (["read"], "Read", False),
    (["Read"], "read", False),
    (["read"], "rea", False),
    (["read"], "read ", False),
    (["read:all"], "read", False),
    (["*"], "read", True),
    (["*"], "anything-at-all", True),
    (["read", "*"], "delete", True),
    ([], "read", False),
    ([], "*", False),
    (["read"], "*", False),
])
def test_a_bearer_token_can_what_its_abilities_hold(abilities, ability, expected):
    token = bearer_token(abilities)
    assert token.can(ability) is expected
    assert token.cannot(ability) is not expected


@pytest.mark.parametrize("ability", ["read", "delete", "account:manage", "*", ""])
def test_the_transient_token_can_everything(ability):
    assert TRANSIENT_TOKEN.can(ability)
    assert not TRANSIENT_TOKEN.cannot(ability)


def test_the_transient_token_has_no_row():
    assert TRANSIENT_TOKEN.transient
    assert TRANSIENT_TOKEN.id is None and TRANSIENT_TOKEN.name is None
    assert list(TRANSIENT_TOKEN.abilities) == ["*"]
    assert not bearer_token().transient


def test_every_kind_of_request_token_is_an_access_token():
    assert isinstance(TRANSIENT_TOKEN, AccessToken) and isinstance(bearer_token(), AccessToken)
