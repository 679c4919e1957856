"""Expiry notices: tell owners which of their tokens expire within 7 days, and again within 1 day.

``tokensite-notify-expiring`` runs this daily.  Each owner gets at most one message per
run, naming the tokens.  What was sent is kept in ``token_expiry_notices``, in the same
transaction as the message, so a second run sends nothing new and a run that fails
sends nothing at all.  A token first found within 1 day gets the 1-day notice only; a
token already expired gets nothing; a token given a new expiry is notified afresh.
Expiry is the token's effective one (``TokenService.expiry``: the global lifetime counts).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging

import sqlalchemy as sa
import sqlalchemy.exc
import transaction

from ..models import ApiToken, ExpiryNotice, User, get_tm_session
from ..tokens import TokenService
from . import messages, send
from .notices import link, token_facts

log = logging.getLogger(__name__)

#: the notices, widest first: "expires within 7 days", then "within 1 day"
NOTICE_DAYS = (7, 1)


@dataclasses.dataclass
class Report:
    messages: int = 0
    tokens: int = 0


def expiring_soon(now: dt.datetime, expiration_minutes: int | None):
    """The WHERE clause of tokens that may expire within the widest notice (the effective expiry,
    worked out in Python, has the last word)."""
    soon = now + dt.timedelta(days=max(NOTICE_DAYS))
    condition = sa.and_(ApiToken.expires_at > now, ApiToken.expires_at <= soon)
    if expiration_minutes:
        lifetime = dt.timedelta(minutes=expiration_minutes)
        condition = sa.or_(condition, sa.and_(ApiToken.created_at > now - lifetime,
                                              ApiToken.created_at <= soon - lifetime))
    return condition


def notice_due(expires: dt.datetime | None, sent: set[int], now: dt.datetime) -> int | None:
    """The notice (7 or 1 days) a token expiring at ``expires`` is due, given the notices already
    ``sent`` about that expiry; None when it is due none."""
    if expires is None or expires <= now:
        return None
    due = [days for days in NOTICE_DAYS if expires <= now + dt.timedelta(days=days)]
    if not due:
        return None
    narrowest = due[-1]
    # a notice as narrow or narrower was sent: this one would say nothing new
    return None if any(days <= narrowest for days in sent) else narrowest


def notify_owner(registry, request, user_id: int, now: dt.datetime) -> int:
    """Send ``user_id`` the notices due, in a transaction of its own; how many tokens it named."""
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        dbsession = get_tm_session(registry["dbsession_factory"], manager)
        service = TokenService(dbsession, registry.token_settings, registry.token_permissions)
        condition = expiring_soon(now, registry.token_settings.expiration_minutes)
        tokens = dbsession.scalars(sa.select(ApiToken).where(ApiToken.user_id == user_id, condition)
                                   .order_by(ApiToken.id)).all()
        notices = dbsession.scalars(sa.select(ExpiryNotice).where(
            ExpiryNotice.token_id.in_([token.id for token in tokens]))).all()
        named = {1: [], 7: []}
        for token in tokens:
            expires = service.expiry(token)
            kept = [notice for notice in notices if notice.token_id == token.id]
            days = notice_due(expires, {notice.within_days for notice in kept if notice.expires_at == expires}, now)
            if days is None:
                continue
            for notice in kept:
                if notice.expires_at != expires:  # about an expiry the token no longer has
                    dbsession.delete(notice)
            dbsession.flush()  # the deletes first: a new notice may take an old one's key
            dbsession.add(ExpiryNotice(token_id=token.id, within_days=days, expires_at=expires, sent_at=now))
            named[days].append(token_facts(registry, token.name, token.abilities, expires))
        if not named[1] and not named[7]:
            return 0
        owner = dbsession.get(User, user_id)
        send(registry, manager, messages.expiring_message(owner.email, owner.name, named[1], named[7],
                                                          link(request, "tokens.index")))
        return len(named[1]) + len(named[7])


def notify_expiring(registry, request, now: dt.datetime) -> Report:
    """One run: every owner with a token due a notice gets one message."""
    condition = expiring_soon(now, registry.token_settings.expiration_minutes)
    with registry["dbengine"].connect() as conn:
        owners = conn.scalars(sa.select(ApiToken.user_id).where(condition).distinct().order_by(ApiToken.user_id)).all()
    report = Report()
    for user_id in owners:
        try:
            named = notify_owner(registry, request, user_id, now)
        except sqlalchemy.exc.IntegrityError:  # another run recorded the same notice first: it sends it
            log.warning("another run notified user %s meanwhile", user_id)
            continue
        if named:
            report.messages += 1
            report.tokens += named
    return report
