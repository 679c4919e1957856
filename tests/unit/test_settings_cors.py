"""``tokensite.api.cors_origins``: origins as a browser sends them in ``Origin``, or ``*`` alone."""
import pytest
from pyramid.exceptions import ConfigurationError

from tokensite.settings import parse

KEY = "tokensite.api.cors_origins"


@pytest.mark.parametrize("value, origins", [
    ("", ()),
    ("   ", ()),
    ("*", ("*",)),
    ("https://app.example", ("https://app.example",)),
    ("https://App.Example:443 http://localhost:8080", ("https://app.example", "http://localhost:8080")),
    ("http://a.example:80 http://a.example", ("http://a.example",)),
    ("https://a.example:8443\thttp://[::1]:9000", ("https://a.example:8443", "http://[::1]:9000")),
])
def test_origins_are_read_as_browsers_send_them(value, origins):
    assert parse({KEY: value}).api_cors_origins == origins


def test_cors_is_off_by_default():
    assert parse({}).api_cors_origins == ()


@pytest.mark.parametrize("value", [
    "app.example", "https://app.example/", "https://app.example/path", "ftp://app.example",
    "https://app.example?x", "https://user@app.example", "* https://app.example", "https://",
    "https://app.example:99999", "null", "https://app.example#",
])
def test_anything_but_origins_is_refused_naming_the_key(value):
    with pytest.raises(ConfigurationError, match=KEY.replace(".", r"\.")):
        parse({KEY: value})
