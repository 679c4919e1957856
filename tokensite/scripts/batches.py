"""Deleting old rows in batches, each its own short transaction, for the prune commands.

The table is never locked for long, so the web app keeps running while a prune runs
from cron or a systemd timer.
"""
from __future__ import annotations

import argparse

import sqlalchemy as sa
import sqlalchemy.exc

from ..models import get_engine
from . import CommandError

DEFAULT_BATCH_SIZE = 1000
MAX_BATCH_SIZE = 10_000  # well under every database's limit of bound parameters


def delete_in_batches(settings: dict, model, condition, batch_size: int, stdout, prog: str) -> int:
    """Delete the rows of ``model`` matching ``condition`` in the database of ``settings``,
    showing progress at a terminal; the number deleted."""
    engine = get_engine(settings)
    try:
        progress = (terminal_progress(count(engine, condition, model), stdout, prog)
                    if stdout.isatty() else None)
        deleted = prune(engine, model, condition, batch_size, progress)
    except sqlalchemy.exc.OperationalError as error:
        raise CommandError(f"database error: {error.orig}") from None
    finally:
        engine.dispose()
    if progress is not None:
        stdout.write("\n")
    return deleted


def prune(engine: sa.Engine, model, condition, batch_size: int = DEFAULT_BATCH_SIZE, progress=None) -> int:
    """Delete every row of ``model`` matching ``condition``, ``batch_size`` per
    transaction; the number deleted.

    The DELETE repeats the condition, so a row changed since the SELECT is left alone.
    """
    # no ORDER BY: the database then walks the index of the condition (e.g. expires_at) straight
    # to the old rows, instead of stepping over every live one in id order for each batch
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


def count(engine: sa.Engine, condition, model) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(model).where(condition))


def terminal_progress(total: int, stream, prog: str):
    """A one-line progress display that rewrites itself."""
    def show(deleted):
        percent = 100 * deleted // total if total else 100
        stream.write(f"\r{prog}: {deleted} of {total} deleted ({percent}%)")
        stream.flush()
    return show


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
