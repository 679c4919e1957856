"""The session settings: idle timeout and lifetime in seconds, refused when they are not."""
import pytest
from pyramid.exceptions import ConfigurationError

from tokensite.settings import parse


def test_defaults_are_two_hours_idle_and_two_weeks_in_all():
    settings = parse({})
    assert (settings.session_idle_timeout_seconds, settings.session_lifetime_seconds) == (7200, 1209600)


def test_values_from_the_ini():
    settings = parse({"tokensite.session.idle_timeout": "900", "tokensite.session.lifetime": " 86400 "})
    assert (settings.session_idle_timeout_seconds, settings.session_lifetime_seconds) == (900, 86400)


@pytest.mark.parametrize("key", ["tokensite.session.idle_timeout", "tokensite.session.lifetime"])
@pytest.mark.parametrize("value", ["0", "-1", "1.5", "two hours"])
def test_bad_values_are_refused_naming_the_key(key, value):
    with pytest.raises(ConfigurationError, match=key.replace(".", r"\.")):
        parse({key: value})
