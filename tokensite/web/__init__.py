"""What the API and the pages share: JSON responses, the JSON shapes of users and
tokens, and the one set of exception views that answers every error.

Neither ``tokensite.api`` nor ``tokensite.pages`` imports the other; both import this.
"""
from __future__ import annotations

from ..tokens.settings import is_under


def is_api_request(request) -> bool:
    """Whether the request is for the JSON API (under ``tokensite.api.prefix``, feature on)."""
    settings = request.registry.tokensite
    if not settings.api_enabled:
        return False
    return is_under(request.path_info, settings.api_prefix)


def includeme(config):
    config.include(".errors")
    config.scan(".rendering")  # the template globals of every page, the pages' and the accounts'

