"""Times in words across time zones: stored in UTC, shown relative, exact on hover."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tokensite.web.rendering import as_utc, exact_time, iso_time, time_ago, time_until

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 28, 19, 30, 0, tzinfo=UTC)
ZONES = [UTC, ZoneInfo("America/Los_Angeles"), ZoneInfo("Asia/Kolkata"), ZoneInfo("Pacific/Chatham"),
         dt.timezone(dt.timedelta(hours=-12))]


@pytest.mark.parametrize("delta, words", [
    (dt.timedelta(seconds=0), "just now"),
    (dt.timedelta(seconds=59), "just now"),
    (dt.timedelta(seconds=60), "1 minute ago"),
    (dt.timedelta(minutes=5, seconds=10), "5 minutes ago"),
    (dt.timedelta(minutes=5, seconds=59), "5 minutes ago"),
    (dt.timedelta(hours=1), "1 hour ago"),
    (dt.timedelta(hours=23, minutes=59), "23 hours ago"),
    (dt.timedelta(days=1), "1 day ago"),
    (dt.timedelta(days=364), "364 days ago"),
    (dt.timedelta(days=730), "2 years ago"),
    (dt.timedelta(seconds=-30), "just now"),  # a clock a little ahead is not "in the future"
])
@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_time_ago_is_the_same_in_every_time_zone(delta, words, zone):
    assert time_ago((NOW - delta).astimezone(zone), now=NOW) == words
    assert time_ago(NOW - delta, now=NOW.astimezone(zone)) == words


@pytest.mark.parametrize("delta, words", [
    (dt.timedelta(days=30) - dt.timedelta(seconds=1), "in 30 days"),  # a new 30-day token
    (dt.timedelta(days=12, hours=3), "in 12 days"),
    (dt.timedelta(days=12, hours=13), "in 13 days"),
    (dt.timedelta(hours=5), "in 5 hours"),
    (dt.timedelta(minutes=1), "in 1 minute"),
    (dt.timedelta(seconds=20), "in 20 seconds"),
    (dt.timedelta(days=400), "in 1 year"),
    (dt.timedelta(0), None),
    (dt.timedelta(seconds=-1), None),
])
@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_time_until_is_the_same_in_every_time_zone(delta, words, zone):
    assert time_until((NOW + delta).astimezone(zone), now=NOW) == words


def test_never_is_none():
    assert time_ago(None) is None and time_until(None) is None
    assert exact_time(None) == "" and iso_time(None) == ""


@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_exact_and_iso_times_are_shown_in_utc(zone):
    local = NOW.replace(second=5).astimezone(zone)
    assert exact_time(local) == "2026-11-28 19:30:05 UTC"
    assert iso_time(local) == "2026-11-28T19:30:05Z"


def test_a_naive_datetime_is_taken_as_utc_like_the_database_stores_it():
    naive = dt.datetime(2026, 11, 28, 19, 25)
    assert as_utc(naive) == NOW - dt.timedelta(minutes=5)
    assert time_ago(naive, now=NOW) == "5 minutes ago"


def test_without_now_the_clock_is_used():
    assert time_ago(dt.datetime.now(UTC) - dt.timedelta(hours=2, minutes=1)) == "2 hours ago"
    assert time_until(dt.datetime.now(UTC) + dt.timedelta(days=7)) == "in 7 days"

