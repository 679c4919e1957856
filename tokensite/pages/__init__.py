"""The site's HTML pages: home, dashboard, the token manager, and HTML errors."""


def includeme(config):
    config.add_static_view("static", "tokensite:static", cache_max_age=3600)
    config.add_route("home", "/")
    config.add_route("dashboard", "/dashboard")
    config.include("tokensite.accounts")
    if config.registry.tokensite.api_enabled:
        config.add_route("tokens.index", "/user/api-tokens")
        config.add_route("tokens.item", "/user/api-tokens/{id}")
        config.add_route("tokens.permissions", "/user/api-tokens/{id}/permissions")
        config.add_route("tokens.delete", "/user/api-tokens/{id}/delete")
        config.add_route("tokens.regenerate", "/user/api-tokens/{id}/regenerate")
        config.scan(".tokens")
    config.scan(".views")
    config.scan(".rendering")
