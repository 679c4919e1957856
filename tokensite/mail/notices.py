"""What a request tells the owner, by mail after it commits: token created, regenerated or
rotated, password changed, account deleted.  Views call these once the change is made."""
from __future__ import annotations

from . import messages, send

WILDCARD_DESCRIPTION = "every permission"


def link(request, route_name: str) -> str:
    """The absolute URL of ``route_name``: at ``tokensite.mail.site_url`` when set (a mail link must
    not follow whatever Host header the request came with), else where the request came to."""
    site_url = request.registry.tokensite.mail_site_url
    return request.route_url(route_name, _app_url=site_url) if site_url else request.route_url(route_name)


def token_facts(registry, name: str, abilities, expires_at) -> messages.TokenFacts:
    """A token's name, permissions (with their descriptions) and effective expiry; no secret."""
    descriptions = registry.token_permissions.descriptions
    permissions = tuple((ability, WILDCARD_DESCRIPTION if ability == "*" else descriptions.get(ability))
                        for ability in abilities)
    return messages.TokenFacts(name, permissions, expires_at)


def token_changed(request, change: str, token) -> None:
    """Tell the signed-in owner that ``token`` was created, regenerated or rotated (``change``)."""
    owner = request.user
    facts = token_facts(request.registry, token.name, token.abilities, request.token_service.expiry(token))
    send(request.registry, request.tm, messages.token_message(
        change, owner.email, owner.name, facts, request.client_ip, link(request, "tokens.index")))


def password_changed(request) -> None:
    owner = request.user
    send(request.registry, request.tm, messages.password_changed_message(
        owner.email, owner.name, request.client_ip, link(request, "accounts.account")))


def account_deleted(request, email: str, name: str) -> None:
    """Tell the address the deleted account had (the user row is gone by now)."""
    send(request.registry, request.tm, messages.account_deleted_message(
        email, name, request.client_ip, link(request, "accounts.register")))
