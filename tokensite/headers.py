"""Security headers on every response, and ``Cache-Control: no-store`` on every personal one.

The pages load only our own stylesheet and script (no inline code, no CDN), so the
Content-Security-Policy can forbid everything else; no page may be framed
(clickjacking of the token manager).  A response is personal when its request came
with credentials -- an ``Authorization`` header or a cookie, which on this site can
only be the session's -- or when it starts a session (``Set-Cookie``): such responses
show a user's data, a CSRF token or a token's plaintext, and no browser or proxy
cache may keep them.  Deciding this from the raw headers costs nothing and never
opens a session.
"""
from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)


def has_credentials(environ) -> bool:
    """Whether the request carries a bearer header or a (session) cookie."""
    return "HTTP_AUTHORIZATION" in environ or "HTTP_COOKIE" in environ


def secure(response, environ):
    """Add the security headers to ``response``, and no-store when it is personal.

    A response that set its own ``Cache-Control`` keeps it: only the static assets do,
    and their URLs change with their content.
    """
    headers = response.headerlist
    headers.extend(SECURITY_HEADERS)
    personal = has_credentials(environ) or any(name.lower() == "set-cookie" for name, _ in headers)
    if personal and "Cache-Control" not in response.headers:
        headers.append(("Cache-Control", "no-store"))
    return response


def _secure_response(request, response):
    secure(response, request.environ)


def security_headers_tween_factory(handler, registry):
    def security_headers_tween(request):
        response = handler(request)
        # a response callback added now runs after the view's own (the session's
        # Set-Cookie among them), so it sees the response as it will be sent
        request.add_response_callback(_secure_response)
        return response

    return security_headers_tween


def includeme(config):
    config.add_tween("tokensite.headers.security_headers_tween_factory")
