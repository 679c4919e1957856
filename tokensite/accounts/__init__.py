"""Registering, signing in and out."""


def includeme(config):
    config.add_route("accounts.register", "/register")
    config.add_route("accounts.login", "/login")
    config.add_route("accounts.logout", "/logout")
    config.scan(".views")
