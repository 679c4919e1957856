"""The request's session object: Pyramid's ISession, and the anonymous cookie it refuses."""
import pytest
from pyramid.interfaces import ISession
from zope.interface.verify import verifyClass

from tokensite.sessions.session import SessionFactory, SiteSession
from tokensite.sessions.store import SessionStore

SECRET = "s" * 40


def test_it_is_a_pyramid_session():
    assert verifyClass(ISession, SiteSession)


@pytest.fixture
def factory():
    return SessionFactory(SECRET, SessionStore(7200, 1209600), secure=False, api_prefix="/api")


@pytest.mark.parametrize("payload", [
    [], "text", {"d": {}}, {"c": 1, "t": 2}, {"c": "1", "t": 2, "d": {}}, {"c": 1, "t": 2, "d": []},
])
def test_a_signed_payload_of_the_wrong_shape_is_refused(factory, payload):
    value = factory.anonymous.dumps(payload).decode()
    assert factory.unsign(value) is None


def test_a_payload_signed_with_another_secret_is_refused(factory):
    other = SessionFactory("t" * 40, factory.store, secure=False, api_prefix="/api")
    value = other.anonymous.dumps({"c": 1, "t": 2, "d": {}}).decode()
    assert factory.unsign(value) is None
    assert other.unsign(value) == {"c": 1, "t": 2, "d": {}}


@pytest.mark.parametrize("path, under", [("/api", True), ("/api/user", True), ("/apis", False), ("/", False),
                                         ("/user/api-tokens", False)])
def test_what_is_under_the_api_prefix(factory, path, under):
    class Request:
        path_info = path
    assert factory.under_api(Request()) is under
