"""Registering, signing in and out, and the account page."""


def includeme(config):
    config.add_route("accounts.register", "/register")
    config.add_route("accounts.login", "/login")
    config.add_route("accounts.logout", "/logout")
    config.add_route("accounts.account", "/user/account")
    config.add_route("accounts.password", "/user/password")
    config.add_route("accounts.delete", "/user/delete")
    config.scan(".views")
