"""The register, sign-in, sign-out and account pages."""
from __future__ import annotations

import sqlalchemy.exc
from pyramid.csrf import new_csrf_token
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import forget, remember
from pyramid.view import view_config, view_defaults
from pyramid_retry import mark_error_retryable

from ..events import EventTag, record_event
from ..mail import notices
from ..permissions import AccountPermission
from . import service
from .browser_sessions import end_other_sessions, sessions_of
from .next_path import safe_next
from .password_throttle import throttle_key


def wait_when_throttled(request, limiter, key: str) -> int | None:
    """Count one attempt for ``key``; past the limit, make this a 429 with ``Retry-After`` and
    return the seconds to wait (None within the limit).

    The attempt is counted before anything is checked: one atomic hit in the shared storage,
    so concurrent attempts on any number of workers get the limit in all.
    """
    verdict = limiter.hit(key)
    if verdict.allowed:
        return None
    request.response.status = 429
    request.response.headers["Retry-After"] = str(verdict.reset_after)
    return verdict.reset_after


def sign_in(request, user) -> HTTPSeeOther:
    """Start a fresh session for ``user``: new session and CSRF token, so that a
    session fixed by an attacker before sign-in is worth nothing after it."""
    request.session.invalidate()
    new_csrf_token(request)
    headers = remember(request, str(user.id), user=user)
    back = safe_next(request.params.get("next"), request.script_name)
    return HTTPSeeOther(location=back or request.route_path("dashboard"), headers=headers)


@view_defaults(route_name="accounts.register", renderer="tokensite:templates/register.jinja2")
class RegisterViews:
    def __init__(self, request):
        self.request = request

    @view_config(request_method="GET")
    def form(self):
        if self.request.user is not None:
            return HTTPSeeOther(location=self.request.route_path("dashboard"))
        return {"values": {}, "errors": {}}

    @view_config(request_method="POST")
    def submit(self):
        params = self.request.POST
        # every attempt counts, made or refused: a flood of accounts from one address stops here
        wait = wait_when_throttled(self.request, self.request.registry.register_rate_limiter,
                                   f"{self.request.client_ip}")
        if wait is not None:
            return {"values": {"name": params.get("name", ""), "email": params.get("email", "")},
                    "errors": {"form": f"Too many registrations from your address. Try again in {wait} seconds."}}
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
        record_event(self.request, EventTag.ACCOUNT_CREATED, user=user)
        return sign_in(self.request, user)


@view_defaults(route_name="accounts.login", renderer="tokensite:templates/login.jinja2")
class LoginViews:
    def __init__(self, request):
        self.request = request

    @view_config(request_method="GET")
    def form(self):
        request = self.request
        if request.user is not None:
            return HTTPSeeOther(location=request.route_path("dashboard"))
        return {"email": "", "error": None,
                "next": safe_next(request.params.get("next"), request.script_name)}

    @view_config(request_method="POST")
    def submit(self):
        request = self.request
        email = service.normalize_email(request.POST.get("email"))
        password = request.POST.get("password")
        throttle_key = f"{email}|{request.client_ip}"
        limiter = request.registry.login_rate_limiter
        page = {"email": request.POST.get("email", ""),
                "next": safe_next(request.POST.get("next"), request.script_name)}
        wait = wait_when_throttled(request, limiter, throttle_key)
        if wait is not None:
            return {**page, "error": f"Too many failed sign-ins. Try again in {wait} seconds."}
        user = service.authenticate(request.dbsession, email, password)
        if user is None:
            known = service.find_by_email(request.dbsession, email)
            if known is not None:
                record_event(request, EventTag.SIGN_IN_FAILED, user=known)
            request.response.status = 400
            return {**page, "error": "These credentials do not match our records."}
        limiter.clear(throttle_key)
        record_event(request, EventTag.SIGNED_IN, user=user)
        return sign_in(request, user)


@view_config(route_name="accounts.logout", request_method="POST")
def logout(request):
    if request.user is not None:
        record_event(request, EventTag.SIGNED_OUT)
    headers = forget(request)
    new_csrf_token(request)
    return HTTPSeeOther(location=request.route_path("home"), headers=headers)


@view_defaults(permission=AccountPermission.MANAGE, renderer="tokensite:templates/account.jinja2")
class AccountViews:
    """Change the password, delete the account (each asks for the password).

    Wrong passwords count against the sign-in limit (per user and IP), so that a
    borrowed session cannot be used to guess the password behind it.
    """

    def __init__(self, request):
        self.request = request
        self.throttle_key = throttle_key(request)

    def page(self, errors=None, form=None, status=200):
        self.request.response.status = status
        return {"errors": errors or {}, "form": form, "browser_sessions": sessions_of(self.request)}

    def throttled(self, form: str, field: str):
        """The 429 page when too many wrong passwords were tried, else None.

        Every attempt is counted before the password is checked, as for sign-in; a right
        password clears the count.
        """
        wait = wait_when_throttled(self.request, self.request.registry.login_rate_limiter, self.throttle_key)
        if wait is None:
            return None
        return self.page({field: f"Too many wrong passwords. Try again in {wait} seconds."}, form=form, status=429)

    def refused(self, error: service.AccountInputError, form: str, field: str):
        if field not in error.errors:  # the password was right: only other fields were wrong
            self.request.registry.login_rate_limiter.clear(self.throttle_key)
        return self.page(error.errors, form=form, status=400)

    @view_config(route_name="accounts.account", request_method="GET")
    def show(self):
        return self.page()

    @view_config(route_name="accounts.password", request_method="POST")
    def change_password(self):
        request, params = self.request, self.request.POST
        refusal = self.throttled("password", "current_password")
        if refusal:
            return refusal
        try:
            service.change_password(request.user, params.get("current_password"), params.get("password"),
                                    params.get("password_confirmation"))
        except service.AccountInputError as error:
            return self.refused(error, "password", "current_password")
        request.registry.login_rate_limiter.clear(self.throttle_key)
        record_event(request, EventTag.PASSWORD_CHANGED)
        notices.password_changed(request)
        ended = end_other_sessions(request)  # whoever knew the old password is signed out; this session stays
        if ended:
            record_event(request, EventTag.OTHER_SESSIONS_SIGNED_OUT, sessions=ended)
        request.session.flash("Your password was changed. Your other sessions were signed out.")
        return HTTPSeeOther(location=request.route_path("accounts.account"))

    @view_config(route_name="accounts.delete", request_method="POST")
    def delete(self):
        request = self.request
        refusal = self.throttled("delete", "password")
        if refusal:
            return refusal
        email, name = request.user.email, request.user.name  # for the goodbye, sent to the address it had
        try:
            service.delete_account(request.dbsession, request.user, request.POST.get("password"))
        except service.AccountInputError as error:
            return self.refused(error, "delete", "password")
        notices.account_deleted(request, email, name)
        headers = forget(request)
        new_csrf_token(request)
        request.session.flash("Your account and everything in it were deleted.")
        return HTTPSeeOther(location=request.route_path("home"), headers=headers)
