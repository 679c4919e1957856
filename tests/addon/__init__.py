"""A small Pyramid app that includes only ``tokensite.tokens``, as an add-on.

It registers its own permissions, keeps its own "articles" with their own ACL,
and signs people in with its own session factory -- nothing else of tokensite's.
"""
from pyramid.authorization import Allow, Authenticated
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from pyramid.security import forget, remember
from pyramid.session import SignedCookieSessionFactory

SECRET = "addon-secret-" + "y" * 40
#: article id -> owner's user id; set by the tests
ARTICLES: dict[int, int] = {}


class Article:
    def __init__(self, article_id, owner_id):
        self.id = article_id
        self.__acl__ = [(Allow, f"user:{owner_id}", "publish"), (Allow, Authenticated, "read")]


def article_factory(request):
    article_id = int(request.matchdict["id"])
    if article_id not in ARTICLES:
        raise HTTPNotFound()
    return Article(article_id, ARTICLES[article_id])


def whoami(request):
    token = request.token
    return {"user": None if request.user is None else request.user.id,
            "token": None if token is None else token.id,
            "transient": None if token is None else token.transient}


def read(context, request):
    return {"read": context.id}


def publish(context, request):
    return {"published": context.id}


def sign_in(request):
    request.response.headers.extend(remember(request, request.matchdict["user_id"]))
    return {"signed_in": int(request.matchdict["user_id"])}


def sign_out(request):
    request.response.headers.extend(forget(request))
    return {}


def mint(request):
    """A token made by the app itself through ``request.token_service``, for the signed-in user."""
    if request.user is None:
        raise HTTPForbidden()
    body = request.json_body
    new = request.token_service.create(request.user, body["name"], body["abilities"])
    return {"token": new.plaintext}


def make_app(database_url):
    # its own API prefix, and nothing of the site's settings: the add-on reads only tokensite.tokens.*
    config = Configurator(settings={"sqlalchemy.url": database_url, "tokensite.tokens.bearer_prefix": "/v1"})
    config.include("tokensite.tokens")
    config.add_token_permissions("read", "publish")
    config.set_default_token_permissions("read")
    config.set_session_factory(SignedCookieSessionFactory(SECRET))
    config.add_route("whoami", "/v1/whoami")
    config.add_route("article", "/v1/articles/{id:\\d+}", factory=article_factory)
    config.add_route("publish", "/v1/articles/{id:\\d+}/publish", factory=article_factory)
    config.add_route("sign_in", "/session/{user_id:\\d+}")
    config.add_route("sign_out", "/session/out")
    config.add_route("mint", "/mint")
    config.add_view(whoami, route_name="whoami", renderer="json")
    config.add_view(read, route_name="article", permission="read", renderer="json")
    config.add_view(publish, route_name="publish", request_method="POST", permission="publish",
                    renderer="json")
    config.add_view(sign_in, route_name="sign_in", request_method="POST", renderer="json")
    config.add_view(sign_out, route_name="sign_out", request_method="POST", renderer="json")
    config.add_view(mint, route_name="mint", request_method="POST", renderer="json")
    return config.make_wsgi_app()
