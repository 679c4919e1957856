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
import sqlalchemy.exc

from ..models import ApiToken, get_engine, utcnow
from ..tokens.settings import parse_token_settings
from . import CommandError, app_settings, run

PROG = "tokensite-prune-tokens"
DEFAULT_HOURS = 24
DEFAULT_BATCH_SIZE = 1000
MAX_BATCH_SIZE = 10_000  # well under every database's limit of bound parameters


def prunable(hours: int, expiration_minutes: int | None, now: dt.datetime):
    """The WHERE clause of tokens expired more than ``hours`` ago at ``now``."""
    condition = ApiToken.expires_at < now - dt.timedelta(hours=hours)
    if expiration_minutes:
        condition = sa.or_(condition, ApiToken.created_at < now - dt.timedelta(minutes=expiration_minutes + 60 * hours))
    return condition


def prune(engine: sa.Engine, condition, batch_size: int = DEFAULT_BATCH_SIZE, progress=None, model=ApiToken) -> int:
    """Delete every row of ``model`` (tokens unless told) matching ``condition``, ``batch_size`` per
    transaction; the number deleted.

    The DELETE repeats the condition, so a row changed since the SELECT is left alone.
    """
    # no ORDER BY: the database then walks the expires_at (and created_at) index straight to
    # the expired rows, instead of stepping over every live token in id order for each batch
    select = sa.select(model.id).where(condition).limit(batch_size)
    deleted = 0
    while True:
        with engine.begin() as conn:
            ids = conn.scalars(select).all()
            if not ids:
                return deleted
            deleted += conn.execute(sa.delete(model).where(model.id.in_(ids), condition)).rowcount
        if progress is not None:
            progress(deleted)


def count(engine: sa.Engine, condition, model=ApiToken) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(model).where(condition))


def terminal_progress(total: int, stream, prog: str = PROG):
    """A one-line progress display that rewrites itself."""
    def show(deleted):
        percent = 100 * deleted // total if total else 100
        stream.write(f"\r{prog}: {deleted} of {total} deleted ({percent}%)")
        stream.flush()
    return show


def prune_tokens(config_uri: str, hours: int, batch_size: int, stdout) -> int:
    settings = app_settings(config_uri)
    expiration = parse_token_settings(settings).expiration_minutes
    engine = get_engine(settings)
    try:
        condition = prunable(hours, expiration, utcnow())
        progress = terminal_progress(count(engine, condition), stdout) if stdout.isatty() else None
        deleted = prune(engine, condition, batch_size, progress)
    except sqlalchemy.exc.OperationalError as error:
        raise CommandError(f"database error: {error.orig}") from None
    finally:
        engine.dispose()
    if progress is not None:
        stdout.write("\n")
    noun = "token" if deleted == 1 else "tokens"
    stdout.write(f"{PROG}: deleted {deleted} {noun} expired more than {hours} hours ago\n")
    return 0


def bounded_int(minimum: int, maximum: int | None = None):
    def convert(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum or (maximum is not None and value > maximum):
            upper = f" and at most {maximum}" if maximum is not None else ""
            raise argparse.ArgumentTypeError(f"must be at least {minimum}{upper}, not {value}")
        return value
    return convert


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
