"""One-time form nonces: a refreshed POST must not create (or regenerate) a token twice.

A page that can reveal a new secret gets a nonce, kept in the session; the first
POST that carries it consumes it, and a replay (the browser's "resend the form?")
is refused.  A POST without the field is served as before, since the contract's
clients post only the documented fields.
"""
from __future__ import annotations

import secrets

FIELD = "form_nonce"
SESSION_KEY = "tokensite.form_nonces"
#: pages open at once (tabs) whose forms still work; older nonces are forgotten
KEEP = 8


def issue(request) -> str:
    nonce = secrets.token_urlsafe(16)
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, ())][-(KEEP - 1):] + [nonce]
    return nonce


def consume(request) -> bool:
    """False for a POST whose nonce was already used (or never issued); True otherwise."""
    nonce = request.POST.get(FIELD)
    if nonce is None:
        return True
    outstanding = list(request.session.get(SESSION_KEY, ()))
    if nonce not in outstanding:
        return False
    outstanding.remove(nonce)
    request.session[SESSION_KEY] = outstanding
    return True
