"""The API token manager: create, list, change permissions, regenerate, delete, delete all.

Session-only (AccountPermission.MANAGE is never granted to a bearer token).  The
plaintext of a new or regenerated token is in the POST's own response, never
behind a redirect, so it is shown exactly once; a one-time form nonce keeps a
refreshed POST from making a second one.  PUT and DELETE on a token answer JSON,
for scripts and JavaScript.
"""
from __future__ import annotations

import datetime as dt

from pyramid.httpexceptions import HTTPNoContent, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config, view_defaults

from ..accounts.password_throttle import PasswordConfirmation
from ..events import EventTag, record_event
from ..mail import notices
from ..models import utcnow
from ..permissions import AccountPermission
from ..tokens.service import EXPIRES_ON_MAX_DAYS, EXPIRY_CHOICES_DAYS, TokenInputError
from ..web.errors import ValidationFailed
from ..web.responses import json_response
from ..web.serialize import rfc3339, token_json
from . import nonce
from .expiry import expiry_date, expiry_state, expiry_warnings, long_date

TEMPLATE = "tokensite:templates/api_tokens.jinja2"
#: preselected on the create form, as GitHub does
DEFAULT_EXPIRY_DAYS = "30"
REPLAYED = ("This form was already sent, so nothing new was made. A token's secret is shown only once: "
            "if you did not copy it, delete that token and create a new one.")


def expires_on_range() -> tuple[dt.date, dt.date]:
    """The dates the create form's ``expires_on`` accepts (UTC): tomorrow, and the last one."""
    today = utcnow().date()
    return today + dt.timedelta(days=1), today + dt.timedelta(days=EXPIRES_ON_MAX_DAYS)


def creation_notes(token, names_in_use: set[str]) -> list[str]:
    """What a person may not have meant, though it is allowed: a name already used, no permission."""
    notes = []
    if token.name in names_in_use:
        notes.append(f"Another of your tokens is also called \u201c{token.name}\u201d. "
                     "A distinct name tells them apart in the list and in the security log.")
    if not token.abilities:
        notes.append("This token has no permissions, so the API refuses it everything that needs one. "
                     "You can give it some under \u201cPermissions\u201d in the list below.")
    return notes


@view_defaults(permission=AccountPermission.MANAGE, renderer=TEMPLATE)
class TokenPages:
    def __init__(self, request):
        self.request = request
        self.service = request.token_service

    def page(self, *, form=None, errors=None, edit_errors=None, regenerate_errors=None, new_token=None,
             notice=None, notes=None, delete_all_error=None, status=200):
        """The manager; ``errors`` belong to the create form, ``edit_errors`` and
        ``regenerate_errors`` to a token id, ``delete_all_error`` to the "delete all" form."""
        self.request.response.status = status
        permissions = self.request.registry.token_permissions
        # newest first: the token just made or regenerated is the one a person looks for
        tokens = sorted(self.service.for_user(self.request.user), key=lambda token: token.id, reverse=True)
        now = utcnow()
        return {
            "permissions": permissions.names,
            "permission_descriptions": permissions.descriptions,
            "form": form or {"name": "", "permissions": list(permissions.defaults),
                             "expires_in_days": DEFAULT_EXPIRY_DAYS},
            "errors": errors or {},
            "edit_errors": edit_errors or {},
            "regenerate_errors": regenerate_errors or {},
            "expiry_choices": [(days, now + dt.timedelta(days=days)) for days in EXPIRY_CHOICES_DAYS],
            "default_expiry_days": DEFAULT_EXPIRY_DAYS,
            "expires_on_range": expires_on_range(),
            "tokens": tokens,
            "expiry_of": self.service.expiry,
            "expiry_state": expiry_state,
            "expiry_date": expiry_date,
            "long_date": long_date,
            "expiry_warnings": expiry_warnings(tokens, self.service.expiry, now),
            "notes": notes or [],
            # a 201 after regenerate answers on the POST's own URL: the menu still marks this page
            "menu_path": self.request.route_path("tokens.index"),
            "max_tokens": self.request.registry.token_settings.max_per_user,
            "new_token": new_token,
            "notice": notice,
            "form_nonce": nonce.issue(self.request),
            "nonce_field": nonce.FIELD,
            "delete_all_error": delete_all_error,
        }

    def owned_token(self):
        token = self.service.owned(self.request.user, self.request.matchdict["id"])
        if token is None:
            raise HTTPNotFound()
        return token

    @view_config(route_name="tokens.index", request_method="GET")
    def index(self):
        return self.page()

    @view_config(route_name="tokens.index", request_method="POST")
    def create(self):
        params = self.request.POST
        form = {"name": params.get("name", ""), "permissions": params.getall("permissions"),
                "expires_in_days": params.get("expires_in_days", "never"), "expires_on": params.get("expires_on")}
        if not nonce.consume(self.request):
            return self.page(form=form, notice=REPLAYED, status=409)
        names_in_use = {token.name for token in self.service.for_user(self.request.user)}
        try:
            new = self.service.create(self.request.user, form["name"], form["permissions"],
                                      form["expires_in_days"], expires_on=form["expires_on"])
        except TokenInputError as error:
            return self.page(form=form, errors={error.field: error.message}, status=400)
        record_event(self.request, EventTag.TOKEN_CREATED, token=new.token, abilities=new.token.abilities,
                     expires_at=rfc3339(new.token.expires_at) or "never")
        notices.token_changed(self.request, "created", new.token)
        return self.page(new_token=new, notes=creation_notes(new.token, names_in_use), status=201)

    def change_permissions(self, token, permissions) -> None:
        before = list(token.abilities)
        self.service.set_abilities(token, permissions)
        record_event(self.request, EventTag.TOKEN_PERMISSIONS_CHANGED, token=token,
                     before=before, after=list(token.abilities))

    @view_config(route_name="tokens.permissions", request_method="POST")
    def set_permissions(self):
        token = self.owned_token()
        try:
            self.change_permissions(token, self.request.POST.getall("permissions"))
        except TokenInputError as error:
            return self.page(edit_errors={token.id: error.message}, status=400)
        self.request.session.flash(f"The permissions of \u201c{token.name}\u201d were saved.")
        return HTTPSeeOther(location=self.request.route_path("tokens.index"))

    def delete_token(self, token) -> None:
        record_event(self.request, EventTag.TOKEN_DELETED, token=token)
        self.service.revoke(token.id, token.token_hash)

    @view_config(route_name="tokens.delete", request_method="POST")
    def delete(self):
        token = self.owned_token()
        self.delete_token(token)
        self.request.session.flash(f"The API token \u201c{token.name}\u201d was deleted.")
        return HTTPSeeOther(location=self.request.route_path("tokens.index"))

    @view_config(route_name="tokens.delete_all", request_method="POST")
    def delete_all(self):
        """GitHub's "Revoke all": every token of the user goes, once the password is confirmed."""
        confirmation = PasswordConfirmation(self.request)
        wait = confirmation.wait_seconds()
        if wait is not None:
            self.request.response.headers["Retry-After"] = str(wait)
            return self.page(delete_all_error=f"Too many wrong passwords. Try again in {wait} seconds.", status=429)
        if not confirmation.check(self.request.POST.get("password")):
            return self.page(delete_all_error="This is not your password; no token was deleted.", status=400)
        deleted = self.service.revoke_all(self.request.user)
        record_event(self.request, EventTag.TOKENS_ALL_DELETED, tokens=deleted)
        self.request.session.flash(f"All your API tokens were deleted ({deleted})." if deleted
                                   else "You had no API tokens to delete.")
        return HTTPSeeOther(location=self.request.route_path("tokens.index"))

    @view_config(route_name="tokens.regenerate", request_method="POST")
    def regenerate(self):
        token, params = self.owned_token(), self.request.POST
        if not nonce.consume(self.request):
            return self.page(notice=REPLAYED, status=409)
        try:
            new = self.service.regenerate(token.id, token.token_hash, self.service.chosen_expiry(
                params.get("expires_in_days"), params.get("expires_on")))
        except TokenInputError as error:
            return self.page(regenerate_errors={token.id: error.message}, status=400)
        record_event(self.request, EventTag.TOKEN_REGENERATED, token=token)
        notices.token_changed(self.request, "regenerated", new.token)
        return self.page(new_token=new, status=201)

    # -- for scripts: JSON in and out, CSRF in the X-CSRF-Token header; errors are JSON (web.errors)

    @view_config(route_name="tokens.item", request_method="PUT")
    def put(self):
        token = self.owned_token()
        permissions = self.request.POST.getall("permissions")
        if self.request.content_type == "application/json":
            try:
                body = self.request.json_body
            except (ValueError, RecursionError):
                body = None
            permissions = body.get("permissions") if isinstance(body, dict) else None
        try:
            self.change_permissions(token, "" if permissions is None else permissions)
        except TokenInputError as error:
            # 400, as the pages answer unknown permissions; the code and shape are the API's
            raise ValidationFailed({error.field: [error.message]}, error.message, status=400) from None
        return json_response(token_json(token))

    @view_config(route_name="tokens.item", request_method="DELETE")
    def delete_json(self):
        self.delete_token(self.owned_token())
        return HTTPNoContent()  # no body, so no Content-Type either
