"""Asking for the password again before a drastic step (changing it, deleting the account,
signing out the other sessions, deleting every token).

Wrong passwords on all of these forms count against one limit per user and IP, the
sign-in limit (``tokensite.ratelimit.login``), so that a borrowed session can neither
guess the password behind it nor use one form to get round another's count.
"""
from __future__ import annotations

from . import passwords


def throttle_key(request) -> str:
    """The count of wrong passwords the signed-in user's forms share, per client address."""
    return f"account:{request.user.id if request.user else ''}|{request.client_ip}"


class PasswordConfirmation:
    def __init__(self, request):
        self.request = request
        self.limiter = request.registry.login_rate_limiter
        self.key = throttle_key(request)

    def wait_seconds(self) -> int | None:
        """Count this attempt (before the password is looked at, one atomic hit in the shared
        storage); the seconds to wait when there were too many, else None."""
        verdict = self.limiter.hit(self.key)
        return None if verdict.allowed else verdict.reset_after

    def check(self, password) -> bool:
        """Whether ``password`` is the signed-in user's; a right one clears the count."""
        right = isinstance(password, str) and passwords.verify_password(self.request.user.password_hash, password)
        if right:
            self.limiter.clear(self.key)
        return right
