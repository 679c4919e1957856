"""Unit tests of the token add-on; ``bearer_token`` makes a request's token without a database."""
import datetime as dt

from tokensite.tokens.bearer import BearerToken, TokenOwner

CREATED = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.timezone.utc)


def bearer_token(abilities=(), token_id=3, user_id=1, expires_at=None) -> BearerToken:
    """A bearer request's token as the lookup builds it."""
    return BearerToken(token_id, user_id, "test", "0" * 64, tuple(abilities), CREATED, None, expires_at,
                       expires_at, TokenOwner(user_id, "Owner", "owner@example.com"))
