"""``tokensite-prune-tokens <ini> --hours H``: delete tokens long expired (Sanctum's ``prune-expired``).

A token goes when its ``expires_at`` is more than H hours past or, with a global
lifetime of E minutes (``tokensite.tokens.expiration``), when it was created more
than E + 60·H minutes ago.  Both mean "expired at least H hours ago", so a live
token is never touched.  Deleting works in batches, each its own short
transaction (select a batch of ids, delete those ids), so the table is never
locked for long and the web app keeps running; run it from cron or a systemd timer.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys

import sqlalchemy as sa

from ..models import ApiToken, utcnow
from ..tokens.settings import parse_token_settings
from . import app_settings, run
from .batches import DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, bounded_int, delete_in_batches

PROG = "tokensite-prune-tokens"
DEFAULT_HOURS = 24


def prunable(hours: int, expiration_minutes: int | None, now: dt.datetime):
    """The WHERE clause of tokens expired more than ``hours`` ago at ``now``."""
    condition = ApiToken.expires_at < now - dt.timedelta(hours=hours)
    if expiration_minutes:
        condition = sa.or_(condition, ApiToken.created_at < now - dt.timedelta(minutes=expiration_minutes + 60 * hours))
    return condition


def prune_tokens(config_uri: str, hours: int, batch_size: int, stdout) -> int:
    settings = app_settings(config_uri)
    expiration = parse_token_settings(settings).expiration_minutes
    condition = prunable(hours, expiration, utcnow())
    deleted = delete_in_batches(settings, ApiToken, condition, batch_size, stdout, PROG)
    noun = "token" if deleted == 1 else "tokens"
    stdout.write(f"{PROG}: deleted {deleted} {noun} expired more than {hours} hours ago\n")
    return 0


def main(argv=None, stdout=None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description="Delete tokens that expired more than H hours ago.")
    parser.add_argument("config_uri", help="the .ini file, e.g. production.ini")
    parser.add_argument("--hours", type=bounded_int(0), default=DEFAULT_HOURS,
                        help=f"keep tokens expired less than this many hours ago (default {DEFAULT_HOURS})")
    parser.add_argument("--batch-size", type=bounded_int(1, MAX_BATCH_SIZE), default=DEFAULT_BATCH_SIZE,
                        help=f"tokens deleted per transaction (default {DEFAULT_BATCH_SIZE})")
    args = parser.parse_args(argv)
    return run(PROG, lambda: prune_tokens(args.config_uri, args.hours, args.batch_size, stdout or sys.stdout))


if __name__ == "__main__":
    sys.exit(main())
