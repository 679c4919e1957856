"""The security policy: ownership from the ACL AND abilities from the token."""
import pytest
from pyramid import testing
from pyramid.interfaces import ISecurityPolicy
from pyramid.security import Allowed, Denied
from zope.interface.verify import verifyObject

from tokensite.models import Post, User, dispose_engines
from tokensite.permissions import AccountPermission
from tokensite.resources import PostCollection, PostResource, SiteRoot
from tokensite.tokens import (
    AUTHENTICATED,
    TRANSIENT_TOKEN,
    Identity,
    Reason,
    TokenSecurityPolicy,
    uses_bearer,
)

from . import bearer_token

OWNER, STRANGER = User(id=1, email="owner@example.com"), User(id=2, email="other@example.com")


class FixedIdentityPolicy(TokenSecurityPolicy):
    """The real permits() for an identity chosen by the test."""

    def __init__(self, identity):
        super().__init__()
        self._fixed = identity

    def identity(self, request):
        return self._fixed


@pytest.fixture
def config():
    config = testing.setUp(settings={"sqlalchemy.url": "sqlite://"})
    config.include("tokensite.tokens")
    config.include("tokensite.permissions")
    config.commit()
    yield config
    dispose_engines(config.registry)
    testing.tearDown()


@pytest.fixture
def request_(config):
    return testing.DummyRequest(path="/api/posts/7")


def post_of(request, owner):
    return PostResource(Post(id=7, owner_id=owner.id, title="t"), PostCollection(request))


def bearer(*abilities):
    return bearer_token(abilities)


def permits(request, user, token, context, permission):
    return FixedIdentityPolicy(Identity(user, token)).permits(request, context, permission)


def test_the_policy_provides_ISecurityPolicy():
    assert verifyObject(ISecurityPolicy, TokenSecurityPolicy())


TOKENS = {
    "update+delete": bearer("update", "delete"),
    "read only": bearer("read"),
    "no abilities": bearer(),
    "wildcard": bearer("*"),
    "session (transient)": TRANSIENT_TOKEN,
}


@pytest.mark.parametrize("permission", ["update", "delete"])
@pytest.mark.parametrize("token_name", TOKENS)
@pytest.mark.parametrize("is_owner", [True, False], ids=["owner", "not owner"])
def test_ownership_and_ability_must_both_hold(request_, permission, token_name, is_owner):
    token = TOKENS[token_name]
    result = permits(request_, OWNER if is_owner else STRANGER, token, post_of(request_, OWNER), permission)
    assert bool(result) is (is_owner and token.can(permission))
    if not result:
        assert isinstance(result, Denied)
        expected = Reason.INSUFFICIENT_SCOPE if token.cannot(permission) else Reason.FORBIDDEN
        assert result.reason == expected


def test_a_missing_ability_names_it(request_):
    result = permits(request_, OWNER, bearer("read"), post_of(request_, OWNER), "update")
    assert result.reason == Reason.INSUFFICIENT_SCOPE
    assert result.required == "update"


def test_not_the_owner_is_forbidden_even_with_the_ability(request_):
    result = permits(request_, STRANGER, bearer("update"), post_of(request_, OWNER), "update")
    assert result.reason == Reason.FORBIDDEN and result.required is None


@pytest.mark.parametrize("token, permission, allowed", [
    (bearer("read"), "read", True),
    (bearer("create"), "create", True),
    (bearer("create"), "read", False),
    (bearer(), "read", False),
    (TRANSIENT_TOKEN, "read", True),
    (TRANSIENT_TOKEN, "create", True),
])
def test_everyone_signed_in_reads_and_creates_posts_with_the_ability(request_, token, permission, allowed):
    assert bool(permits(request_, STRANGER, token, PostCollection(request_), permission)) is allowed


@pytest.mark.parametrize("token", [bearer(), bearer("read"), TRANSIENT_TOKEN])
def test_any_identity_holds_the_authenticated_permission(request_, token):
    assert isinstance(permits(request_, OWNER, token, SiteRoot(request_), AUTHENTICATED), Allowed)


@pytest.mark.parametrize("token", [bearer("*"), bearer("create", "read", "update", "delete")])
def test_a_bearer_token_never_gets_a_session_only_permission(request_, token):
    result = permits(request_, OWNER, token, SiteRoot(request_), AccountPermission.MANAGE)
    assert not result and result.reason == Reason.FORBIDDEN


def test_the_session_gets_session_only_permissions(request_):
    assert permits(request_, OWNER, TRANSIENT_TOKEN, SiteRoot(request_), AccountPermission.MANAGE)


def test_an_anonymous_request_is_refused_as_unauthenticated(request_):
    result = TokenSecurityPolicy().permits(request_, PostCollection(request_), "read")
    assert isinstance(result, Denied) and result.reason == Reason.UNAUTHENTICATED


def test_a_malformed_bearer_token_is_refused_as_invalid_token(config):
    request = testing.DummyRequest(path="/api/posts", headers={"Authorization": "Bearer nonsense"})
    policy = TokenSecurityPolicy()
    assert policy.identity(request) is None
    result = policy.permits(request, PostCollection(request), "read")
    assert result.reason == Reason.INVALID_TOKEN


def test_a_bearer_header_outside_the_api_prefix_is_not_looked_at(config):
    request = testing.DummyRequest(path="/dashboard", headers={"Authorization": "Bearer nonsense"})
    policy = TokenSecurityPolicy()
    assert policy.identity(request) is None
    result = policy.permits(request, SiteRoot(request), AccountPermission.MANAGE)
    assert result.reason == Reason.UNAUTHENTICATED


def test_public_contexts_need_no_identity(request_):
    class Public:
        __acl__ = [("Allow", "system.Everyone", "view")]

    assert TokenSecurityPolicy().permits(request_, Public(), "view")


@pytest.mark.parametrize("path, header, expected", [
    ("/api", True, True),
    ("/api/", True, True),
    ("/api/posts/1", True, True),
    ("/apiary", True, False),
    ("/dashboard", True, False),
    ("/", True, False),
    ("/api/posts", False, False),
])
def test_only_api_requests_with_an_authorization_header_use_the_bearer(config, path, header, expected):
    headers = {"Authorization": "Bearer x"} if header else {}
    assert uses_bearer(testing.DummyRequest(path=path, headers=headers)) is expected
