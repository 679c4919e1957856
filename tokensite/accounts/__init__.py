"""Registering, signing in and out, the account page and the browser sessions page."""


def includeme(config):
    config.add_route("accounts.register", "/register")
    config.add_route("accounts.login", "/login")
    config.add_route("accounts.logout", "/logout")
    config.add_route("accounts.account", "/user/account")
    config.add_route("accounts.password", "/user/password")
    config.add_route("accounts.delete", "/user/delete")
    config.add_route("accounts.sessions", "/user/sessions")
    config.add_route("accounts.sessions.logout_others", "/user/sessions/logout-others")
    config.add_route("accounts.sessions.delete", "/user/sessions/{public_id}/delete")
    config.scan(".views")
    config.scan(".sessions_page")
