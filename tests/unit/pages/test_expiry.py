"""When a token counts as expiring soon, and which tokens the banner names."""
import dataclasses
import datetime as dt

import pytest

from tokensite.pages.expiry import ExpiryState, expiry_date, expiry_state, expiry_warnings, long_date

NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(("left", "state"), [
    (None, ExpiryState.NEVER),
    (dt.timedelta(days=7, seconds=1), ExpiryState.LATER),
    (dt.timedelta(days=7), ExpiryState.LATER),
    (dt.timedelta(days=6, hours=23, minutes=59), ExpiryState.SOON),
    (dt.timedelta(seconds=1), ExpiryState.SOON),
    (dt.timedelta(0), ExpiryState.EXPIRED),
    (dt.timedelta(days=-30), ExpiryState.EXPIRED),
])
def test_a_token_expires_soon_with_less_than_seven_days_left(left, state):
    assert expiry_state(None if left is None else NOW + left, NOW) is state


def test_a_naive_time_is_taken_as_utc():
    assert expiry_state(NOW.replace(tzinfo=None) + dt.timedelta(hours=1), NOW) is ExpiryState.SOON


def test_dates_are_written_so_no_reader_misreads_them():
    assert long_date(dt.date(2027, 1, 1)) == "Friday, 1 January 2027"
    assert expiry_date(dt.datetime(2027, 1, 1, 13, 5, 59)) == "1 Jan 2027, 13:05 UTC"


@dataclasses.dataclass
class Token:
    id: int
    name: str
    expires_at: dt.datetime | None


def test_the_banner_names_tokens_within_seven_days_either_side_soonest_first():
    tokens = [Token(1, "later", NOW + dt.timedelta(days=7)), Token(2, "soon", NOW + dt.timedelta(days=2)),
              Token(3, "forever", None), Token(4, "lapsed", NOW - dt.timedelta(days=6, hours=23)),
              Token(5, "long gone", NOW - dt.timedelta(days=7)),
              Token(6, "today", NOW + dt.timedelta(hours=3))]
    warnings = expiry_warnings(tokens, lambda token: token.expires_at, now=NOW)
    assert [(w.name, w.expired) for w in warnings] == [("lapsed", True), ("today", False), ("soon", False)]
