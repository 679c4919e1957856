"""Malformed ``Authorization`` values: 401 before any SQL statement (CONTRACT §5, §8)."""
import pytest

from tokensite.tokens import format as token_format

from ..sql import sql_statements

GOOD_SHAPE = token_format.generate("tks_")
SANCTUM_CASES = ["", "|", "test", "|test", "1ABC|test", "1ABC|", "1,2|test", "Bearer", "Bearer |test",
                 "Bearer 1,2|test", "Bearer 1ABC|test", "Bearer 1ABC|"]
# a real token's shape with one thing wrong
SHAPE_CASES = [f"Bearer {GOOD_SHAPE[:-1]}{'0' if GOOD_SHAPE[-1] != '0' else '1'}",  # checksum
               f"Bearer {token_format.generate('xyz_')}",                          # prefix
               f"Bearer {GOOD_SHAPE}x",                                              # length
               f"Bearer x1|{GOOD_SHAPE}",                                            # non-numeric id
               f"Basic {GOOD_SHAPE}",                                                # scheme
               f"Bearer {GOOD_SHAPE[:10]}-{GOOD_SHAPE[11:]}"]                        # alphabet


@pytest.mark.parametrize("authorization", SANCTUM_CASES + SHAPE_CASES)
def test_malformed_authorization_is_refused_without_a_query(user, authorization):
    user.create_token("existing", ["read"])
    with sql_statements() as statements:
        res = user.api("GET", "/api/user", headers={"Authorization": authorization}, cookies=False)
    assert res.status_int == 401
    assert res.headers["WWW-Authenticate"].startswith('Bearer realm="tokensite"')
    assert res.json["error"]["code"] in ("invalid_token", "unauthenticated")
    assert statements == []


def test_a_valid_token_costs_one_statement_and_no_write_when_fresh(user):
    token = user.create_token("hot", ["read"])
    user.api("GET", "/api/user", token=token, status=200)  # first use writes last_used_at
    with sql_statements() as statements:
        user.api("GET", "/api/user", token=token, status=200)
    assert len(statements) == 1, statements
    assert statements[0].lstrip().upper().startswith("SELECT")


def test_a_bearer_response_starts_no_session(user):
    token = user.create_token("no cookie", ["read"])
    res = user.api("GET", "/api/user", token=token, status=200)
    assert "Set-Cookie" not in res.headers
