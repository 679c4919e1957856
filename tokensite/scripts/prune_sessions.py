"""``tokensite-prune-sessions <ini>``: delete the rows of browser sessions that have ended.

A session ends ``tokensite.session.idle_timeout`` seconds after its last request or
``tokensite.session.lifetime`` seconds after sign-in; an ended session opens nothing
already, so this only keeps the table small.  It deletes in batches, each its own
short transaction, like ``tokensite-prune-tokens``; run it from cron or a systemd timer.
"""
from __future__ import annotations

import argparse
import sys

import sqlalchemy.exc

from ..models import BrowserSession, get_engine
from ..sessions.store import SessionStore
from ..settings import parse
from . import CommandError, app_settings, run
from .prune_tokens import DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, bounded_int, count, prune, terminal_progress

PROG = "tokensite-prune-sessions"


def prune_sessions(config_uri: str, batch_size: int, stdout) -> int:
    settings = app_settings(config_uri)
    parsed = parse(settings)
    store = SessionStore(parsed.session_idle_timeout_seconds, parsed.session_lifetime_seconds)
    engine = get_engine(settings)
    try:
        condition = store.expired(store.clock())
        progress = (terminal_progress(count(engine, condition, BrowserSession), stdout, PROG)
                    if stdout.isatty() else None)
        deleted = prune(engine, condition, batch_size, progress, model=BrowserSession)
    except sqlalchemy.exc.OperationalError as error:
        raise CommandError(f"database error: {error.orig}") from None
    finally:
        engine.dispose()
    if progress is not None:
        stdout.write("\n")
    noun = "session" if deleted == 1 else "sessions"
    stdout.write(f"{PROG}: deleted {deleted} ended browser {noun}\n")
    return 0


def main(argv=None, stdout=None) -> int:
    parser = argparse.ArgumentParser(prog=PROG,
                                     description="Delete the rows of browser sessions that have ended.")
    parser.add_argument("config_uri", help="the .ini file, e.g. production.ini")
    parser.add_argument("--batch-size", type=bounded_int(1, MAX_BATCH_SIZE), default=DEFAULT_BATCH_SIZE,
                        help=f"sessions deleted per transaction (default {DEFAULT_BATCH_SIZE})")
    args = parser.parse_args(argv)
    return run(PROG, lambda: prune_sessions(args.config_uri, args.batch_size, stdout or sys.stdout))


if __name__ == "__main__":
    sys.exit(main())
