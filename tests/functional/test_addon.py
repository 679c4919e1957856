"""``config.include("tokensite.tokens")`` in another app: its own permissions, ``request.user`` and
``request.token``, and a policy that allows only when the ACL and the token's ability both do, with
none of the site's routes."""
import pytest
import webtest

from tokensite.models import User, dispose_engines
from tokensite.testing import committed_session, token_service
from tokensite.tokens.format import parse_credential
from tokensite.tokens.service import TokenInputError

from .. import addon
from ..sql import rows


@pytest.fixture
def addon_app(database_url, engine):  # engine: the tables are emptied after the test
    app = addon.make_app(database_url)
    yield app
    dispose_engines(app.registry)
    addon.ARTICLES.clear()


def in_transaction(app, work):
    with committed_session(app) as dbsession:
        return work(dbsession, token_service(app, dbsession))


@pytest.fixture
def people(addon_app):
    def add(dbsession, service):
        users = [User(email=f"{name}@example.com", name=name, password_hash="-") for name in ("ada", "grace")]
        dbsession.add_all(users)
        dbsession.flush()
        return [user.id for user in users]
    return in_transaction(addon_app, add)


def token_for(app, user_id, abilities):
    return in_transaction(app, lambda dbsession, service: service.create(
        dbsession.get(User, user_id), "addon", abilities).plaintext)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_the_directives_register_the_apps_own_permissions(addon_app):
    permissions = addon_app.registry.token_permissions
    assert (permissions.names, permissions.defaults) == (["read", "publish"], ("read",))


def test_only_registered_permissions_can_be_given(addon_app, people):
    with pytest.raises(TokenInputError):
        token_for(addon_app, people[0], ["create"])  # the site's permission, not this app's


def test_request_user_and_token(addon_app, people, engine):
    client = webtest.TestApp(addon_app)
    assert client.get("/v1/whoami").json == {"user": None, "token": None, "transient": None}
    token = token_for(addon_app, people[0], ["read"])
    [row] = rows(engine, "api_tokens")
    assert client.get("/v1/whoami", headers=bearer(token)).json == {
        "user": people[0], "token": row["id"], "transient": False}
    client.post(f"/session/{people[1]}")
    assert client.get("/v1/whoami").json == {"user": people[1], "token": None, "transient": True}


OWNER, OTHER = 0, 1


@pytest.mark.parametrize("who, abilities, status", [
    (OWNER, ["publish"], 200),
    (OWNER, ["read", "publish"], 200),
    (OWNER, ["read"], 403),          # the owner, without the ability
    (OWNER, [], 403),
    (OTHER, ["publish"], 403),       # the ability, without ownership
    (OTHER, ["read", "publish"], 403),
])
def test_acl_and_ability_must_both_allow(addon_app, people, who, abilities, status):
    addon.ARTICLES[1] = people[OWNER]
    token = token_for(addon_app, people[who], abilities)
    client = webtest.TestApp(addon_app)
    assert client.post("/v1/articles/1/publish", headers=bearer(token), status="*").status_int == status


def test_reading_needs_the_read_ability(addon_app, people):
    addon.ARTICLES[1] = people[OWNER]
    client = webtest.TestApp(addon_app)
    for abilities, status in ((["read"], 200), (["publish"], 403)):
        token = token_for(addon_app, people[OTHER], abilities)
        client.get("/v1/articles/1", headers=bearer(token), status=status)
    client.get("/v1/articles/1", status=403)


def test_the_session_token_passes_ability_checks_but_not_the_acl(addon_app, people):
    addon.ARTICLES[1] = people[OWNER]
    owner = webtest.TestApp(addon_app)
    owner.post(f"/session/{people[OWNER]}")
    owner.post("/v1/articles/1/publish", status=200)
    other = webtest.TestApp(addon_app)
    other.post(f"/session/{people[OTHER]}")
    other.post("/v1/articles/1/publish", status=403)


def test_a_token_made_through_request_token_service(addon_app, people, engine):
    addon.ARTICLES[1] = people[OWNER]
    client = webtest.TestApp(addon_app)
    client.post(f"/session/{people[OWNER]}")
    token = client.post_json("/mint", {"name": "from the app", "abilities": ["publish"]}).json["token"]
    [row] = rows(engine, "api_tokens")
    assert (row["name"], row["user_id"]) == ("from the app", people[OWNER])
    webtest.TestApp(addon_app).post("/v1/articles/1/publish", headers=bearer(token), status=200)


def test_bad_and_revoked_tokens_are_anonymous(addon_app, people, engine):
    token = token_for(addon_app, people[OWNER], ["read"])
    client = webtest.TestApp(addon_app)
    assert client.get("/v1/whoami", headers=bearer("nonsense")).json["user"] is None
    found = addon_app.registry.bearer_lookup.authenticate(parse_credential(token, "tks_"))
    in_transaction(addon_app, lambda dbsession, service: service.revoke(found.id, found.token_hash))
    assert client.get("/v1/whoami", headers=bearer(token)).json["user"] is None


def test_the_add_on_brings_none_of_the_sites_routes(addon_app):
    client = webtest.TestApp(addon_app)
    for path in ("/user/api-tokens", "/api/user", "/login", "/dashboard"):
        client.get(path, status=404)


def test_the_add_on_reads_only_its_own_settings(addon_app):
    """No site settings are parsed; bearer tokens count under the app's own prefix (/v1), not /api."""
    assert not hasattr(addon_app.registry, "tokensite")
    assert addon_app.registry.token_settings.bearer_prefix == "/v1"
