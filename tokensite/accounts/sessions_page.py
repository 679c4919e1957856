"""The browser sessions page: list them, sign one out, or sign out all the others.

Signing out the others asks for the password, and wrong passwords count against the
same limit as the account page's forms (:class:`AccountViews`), so a borrowed
session can neither guess the password nor use this form to find it.
"""
from __future__ import annotations

from pyramid.csrf import new_csrf_token
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.security import forget
from pyramid.view import view_config, view_defaults

from ..events import EventTag, record_event
from ..permissions import AccountPermission
from . import passwords
from .browser_sessions import device_of, end_other_sessions, end_session
from .service import AccountInputError
from .views import AccountViews

FORM = "logout-others"


@view_defaults(permission=AccountPermission.MANAGE, renderer="tokensite:templates/sessions.jinja2")
class SessionViews:
    def __init__(self, request):
        self.request = request
        self.account = AccountViews(request)

    def back(self) -> HTTPSeeOther:
        return HTTPSeeOther(location=self.request.route_path("accounts.sessions"))

    @view_config(route_name="accounts.sessions", request_method="GET")
    def index(self):
        return self.account.page()

    @view_config(route_name="accounts.sessions.logout_others", request_method="POST")
    def logout_others(self):
        request = self.request
        refusal = self.account.throttled(FORM, "password")
        if refusal:
            return refusal
        password = request.POST.get("password")
        right = isinstance(password, str) and passwords.verify_password(request.user.password_hash, password)
        if not right:
            return self.account.refused(
                AccountInputError({"password": "This is not your password; no session was signed out."}),
                FORM, "password")
        request.registry.login_rate_limiter.clear(self.account.throttle_key)
        ended = end_other_sessions(request)
        record_event(request, EventTag.OTHER_SESSIONS_SIGNED_OUT, sessions=ended)
        request.session.flash("Your other browser sessions were signed out." if ended
                              else "There were no other browser sessions to sign out.")
        return self.back()

    @view_config(route_name="accounts.sessions.delete", request_method="POST")
    def delete(self):
        request = self.request
        public_id = request.matchdict["public_id"]
        if public_id == request.session.public_id:  # this very session: that is signing out
            record_event(request, EventTag.SIGNED_OUT)
            headers = forget(request)
            new_csrf_token(request)
            return HTTPSeeOther(location=request.route_path("home"), headers=headers)
        ended = end_session(request, public_id)
        if ended is None:
            raise HTTPNotFound()
        record_event(request, EventTag.SESSION_ENDED, device=str(device_of(ended.user_agent)),
                     session_ip=ended.ip_address)
        request.session.flash(f"The session of {device_of(ended.user_agent)} was signed out.")
        return self.back()
