"""The site's HTML pages: home, dashboard, the token manager, the security log."""
import hashlib
from importlib import resources

from pyramid.static import QueryStringConstantCacheBuster

#: static URLs change whenever a file does (the cache buster), so browsers may keep them long
STATIC_MAX_AGE = 365 * 24 * 60 * 60


def static_version() -> str:
    """A short digest of every file under tokensite/static, computed once at start-up."""
    digest = hashlib.sha256()
    for item in sorted(resources.files("tokensite").joinpath("static").iterdir(), key=lambda f: f.name):
        if item.is_file():
            digest.update(item.name.encode() + b"\0" + item.read_bytes())
    return digest.hexdigest()[:12]


def add_static_assets(config):
    """Our own stylesheet and script (no CDN), served with long-lived cache headers."""
    config.add_static_view("static", "tokensite:static", cache_max_age=STATIC_MAX_AGE)
    config.add_cache_buster("tokensite:static/", QueryStringConstantCacheBuster(static_version()))


def includeme(config):
    add_static_assets(config)
    config.add_route("home", "/")
    config.add_route("dashboard", "/dashboard")
    config.add_route("security.log", "/user/security")
    if config.registry.tokensite.api_enabled:
        config.add_route("tokens.index", "/user/api-tokens")
        # before tokens.item, whose {id} would match "delete-all"
        config.add_route("tokens.delete_all", "/user/api-tokens/delete-all")
        config.add_route("tokens.item", "/user/api-tokens/{id}")
        config.add_route("tokens.permissions", "/user/api-tokens/{id}/permissions")
        config.add_route("tokens.delete", "/user/api-tokens/{id}/delete")
        config.add_route("tokens.regenerate", "/user/api-tokens/{id}/regenerate")
        config.scan(".tokens")
    config.scan(".security")
    config.scan(".views")
