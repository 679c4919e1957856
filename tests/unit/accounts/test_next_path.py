"""After sign-in the browser goes to ``next`` only when it stays inside the app (no open redirect)."""
import pytest

from tokensite.accounts.next_path import safe_next


@pytest.mark.parametrize("value, expected", [
    ("/user/api-tokens", "/user/api-tokens"),
    ("/user/security?page=2", "/user/security?page=2"),
    ("//evil.example/", None),
    ("https://evil.example/", None),
    ("/\\evil.example", None),
    ("/\tuser", None),
    ("/../evil", None),
    ("", None),
    (None, None),
])
def test_safe_next_keeps_only_local_paths(value, expected):
    assert safe_next(value, "") == expected


@pytest.mark.parametrize("value, expected", [
    ("/tokens/user/api-tokens", "/tokens/user/api-tokens"),
    ("/tokens/user/security?page=2&x=/../..", "/tokens/user/security?page=2&x=/../.."),
    ("/tokens/", "/tokens/"),
    ("/user/api-tokens", None),          # the host's, not the app's
    ("/tokens", None),
    ("/tokensite/user", None),           # another app whose name starts alike
    ("/tokens/../admin", None),          # a browser resolves the dot segment: /admin
    ("/tokens/%2e%2E/admin", None),
    ("/tokens/.%2e/admin", None),
    ("/tokens/./user", None),
    ("/tokens//evil.example/", None),
    ("/tokens/\\evil.example", None),
    ("//evil.example/tokens/", None),
    ("https://evil.example/tokens/", None),
])
def test_safe_next_keeps_only_paths_inside_the_mount(value, expected):
    assert safe_next(value, "/tokens") == expected


def test_safe_next_compares_the_mount_as_request_path_quotes_it():
    assert safe_next("/my%20tokens/dashboard", "/my tokens") == "/my%20tokens/dashboard"
    assert safe_next("/my tokens/dashboard", "/my tokens") is None
