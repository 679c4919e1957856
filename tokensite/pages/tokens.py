"""The API token manager: create, list, change permissions, regenerate, delete.

Session-only (AccountPermission.MANAGE is never granted to a bearer token).  The
plaintext of a new or regenerated token is in the POST's own response, never
behind a redirect, so it is shown exactly once.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNoContent, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config, view_defaults

from ..api.serialize import token_json
from ..permissions import AccountPermission
from ..tokens.service import EXPIRY_CHOICES_DAYS, TokenInputError

INDEX = "/user/api-tokens"
TEMPLATE = "tokensite:templates/api_tokens.jinja2"
#: preselected on the create form, as GitHub does
DEFAULT_EXPIRY_DAYS = "30"


@view_defaults(permission=AccountPermission.MANAGE, renderer=TEMPLATE)
class TokenPages:
    def __init__(self, request):
        self.request = request
        self.service = request.token_service

    def page(self, *, form=None, errors=None, new_token=None, status=200):
        self.request.response.status = status
        permissions = self.request.registry.token_permissions
        tokens = self.service.for_user(self.request.user)
        return {
            "permissions": permissions.names,
            "form": form or {"name": "", "permissions": list(permissions.defaults),
                             "expires_in_days": DEFAULT_EXPIRY_DAYS},
            "errors": errors or {},
            "expiry_choices": EXPIRY_CHOICES_DAYS,
            "tokens": tokens,
            "expiry_of": self.service.expiry,
            "max_tokens": self.request.registry.tokensite.max_tokens_per_user,
            "new_token": new_token,
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
                "expires_in_days": params.get("expires_in_days", "never")}
        try:
            new = self.service.create(self.request.user, form["name"], form["permissions"],
                                      form["expires_in_days"])
        except TokenInputError as error:
            return self.page(form=form, errors={error.field: error.message}, status=400)
        return self.page(new_token=new, status=201)

    @view_config(route_name="tokens.permissions", request_method="POST")
    def set_permissions(self):
        token = self.owned_token()
        try:
            self.service.set_abilities(token, self.request.POST.getall("permissions"))
        except TokenInputError as error:
            return self.page(errors={error.field: error.message}, status=400)
        return HTTPSeeOther(location=INDEX)

    @view_config(route_name="tokens.delete", request_method="POST")
    def delete(self):
        self.service.revoke(self.owned_token())
        return HTTPSeeOther(location=INDEX)

    @view_config(route_name="tokens.regenerate", request_method="POST")
    def regenerate(self):
        return self.page(new_token=self.service.regenerate(self.owned_token()), status=201)

    @view_config(route_name="tokens.item", request_method="PUT", renderer="json")
    def put(self):
        token = self.owned_token()
        try:
            permissions = self.request.json_body.get("permissions") if self.request.content_type == \
                "application/json" else self.request.POST.getall("permissions")
        except (ValueError, AttributeError):
            permissions = None
        try:
            self.service.set_abilities(token, permissions if permissions is not None else "")
        except TokenInputError as error:
            self.request.response.status = 400
            return {"error": {"code": "invalid", "message": error.message, "fields": {error.field: [error.message]}}}
        return token_json(token)

    @view_config(route_name="tokens.item", request_method="DELETE")
    def delete_json(self):
        self.service.revoke(self.owned_token())
        return HTTPNoContent()  # no body, so no Content-Type either
