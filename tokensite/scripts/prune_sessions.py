"""``tokensite-prune-sessions <ini>``: delete the rows of browser sessions that have ended.

A session ends ``tokensite.session.idle_timeout`` seconds after its last request or
``tokensite.session.lifetime`` seconds after sign-in; an ended session opens nothing
already, so this only keeps the table small.  It deletes in batches, each its own
short transaction, like ``tokensite-prune-tokens``; run it from cron or a systemd timer.
"""
from __future__ import annotations

import argparse
import sys

from ..models import BrowserSession
from ..sessions.store import SessionStore
from ..settings import parse
from . import app_settings, run
from .batches import DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, bounded_int, delete_in_batches

PROG = "tokensite-prune-sessions"


def prune_sessions(config_uri: str, batch_size: int, stdout) -> int:
    settings = app_settings(config_uri)
    parsed = parse(settings)
    store = SessionStore(parsed.session_idle_timeout_seconds, parsed.session_lifetime_seconds)
    deleted = delete_in_batches(settings, BrowserSession, store.expired(store.clock()), batch_size, stdout, PROG)
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
