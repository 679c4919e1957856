"""The register, sign-in and sign-out pages."""
from __future__ import annotations

import sqlalchemy.exc
from pyramid.csrf import new_csrf_token
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import forget, remember
from pyramid.view import view_config, view_defaults
from pyramid_retry import mark_error_retryable

from ..pages.rendering import safe_next
from . import service

DASHBOARD = "/dashboard"


def sign_in(request, user) -> HTTPSeeOther:
    """Start a fresh session for ``user``: new session and CSRF token, so that a
    session fixed by an attacker before sign-in is worth nothing after it."""
    request.session.invalidate()
    new_csrf_token(request)
    headers = remember(request, str(user.id), user=user)
    return HTTPSeeOther(location=safe_next(request.params.get("next")) or DASHBOARD, headers=headers)


@view_defaults(route_name="accounts.register", renderer="tokensite:templates/register.jinja2")
class RegisterViews:
    def __init__(self, request):
        self.request = request

    @view_config(request_method="GET")
    def form(self):
        if self.request.user is not None:
            return HTTPSeeOther(location=DASHBOARD)
        return {"values": {}, "errors": {}}

    @view_config(request_method="POST")
    def submit(self):
        params = self.request.POST
        try:
            user = service.register(self.request.dbsession, params.get("name"), params.get("email"),
                                    params.get("password"), params.get("password_confirmation"))
        except service.AccountInputError as error:
            self.request.response.status = 400
            return {"values": {"name": params.get("name", ""), "email": params.get("email", "")},
                    "errors": error.errors}
        except sqlalchemy.exc.IntegrityError as error:
            # another request took the address between our check and our insert (the unique index
            # caught it): pyramid_retry runs this request again, and the check then says so
            mark_error_retryable(error)
            raise
        return sign_in(self.request, user)


@view_defaults(route_name="accounts.login", renderer="tokensite:templates/login.jinja2")
class LoginViews:
    def __init__(self, request):
        self.request = request

    @view_config(request_method="GET")
    def form(self):
        if self.request.user is not None:
            return HTTPSeeOther(location=DASHBOARD)
        return {"email": "", "error": None, "next": safe_next(self.request.params.get("next"))}

    @view_config(request_method="POST")
    def submit(self):
        request = self.request
        email = service.normalize_email(request.POST.get("email"))
        password = request.POST.get("password")
        throttle_key = f"{email}|{request.client_addr}"
        limiter = request.registry.login_rate_limiter
        page = {"email": request.POST.get("email", ""), "next": safe_next(request.POST.get("next"))}
        verdict = limiter.check(throttle_key)
        if not verdict.allowed:
            request.response.status = 429
            request.response.headers["Retry-After"] = str(verdict.reset_after)
            return {**page, "error": f"Too many failed sign-ins. Try again in {verdict.reset_after} seconds."}
        user = service.authenticate(request.dbsession, email, password)
        if user is None:
            limiter.hit(throttle_key)
            request.response.status = 400
            return {**page, "error": "These credentials do not match our records."}
        limiter.clear(throttle_key)
        return sign_in(request, user)


@view_config(route_name="accounts.logout", request_method="POST")
def logout(request):
    headers = forget(request)
    new_csrf_token(request)
    return HTTPSeeOther(location="/", headers=headers)
