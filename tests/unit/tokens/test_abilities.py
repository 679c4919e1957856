"""``token.can()`` / ``token.cannot()``: exact, case-sensitive, ``*`` for all."""
import pytest

from tokensite.models import ApiToken
from tokensite.tokens import TRANSIENT_TOKEN


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
def test_api_token_can(abilities, ability, expected):
    token = ApiToken(abilities=abilities)
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
    assert not ApiToken(abilities=[]).transient
