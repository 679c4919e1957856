"""``TokenService.touch`` when another process wrote ``last_used_at`` first (CONTRACT §5)."""
import datetime as dt

import sqlalchemy as sa

from tokensite.models import ApiToken
from tokensite.tokens.format import hash_token
from tokensite.tokens.service import TokenService


def test_a_touch_that_loses_the_race_keeps_the_value_the_winner_stored(app, engine, user):
    plaintext = user.create_token()
    now = dt.datetime.now(dt.timezone.utc)
    winner = now - dt.timedelta(seconds=5)
    with app.registry["dbsession_factory"]() as dbsession:
        token = dbsession.scalars(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext))).one()
        assert token.last_used_at is None
        # another process uses the token between this one's read and its write
        with engine.begin() as conn:
            conn.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=winner))
        service = TokenService(dbsession, app.registry.tokensite, app.registry.token_permissions)

        service.touch(token, now=now)

        assert token.last_used_at == winner
        stored = dbsession.scalar(sa.select(ApiToken.last_used_at).where(ApiToken.id == token.id))
        assert stored == winner
