"""``tokensite-create-user <ini> --email E --name N``: an account made from the command line.

The password comes from one line of standard input (``... < password-file``) or,
at a terminal, from a prompt asked twice.  Never from an argument: ``ps`` and shell
histories would show it.  The checks are the registration form's (one
``accounts.service.register`` serves both).
"""
from __future__ import annotations

import argparse
import getpass
import sys

import sqlalchemy.exc
import transaction

from ..accounts.service import AccountInputError, register
from ..models import get_engine, get_session_factory, get_tm_session
from . import CommandError, app_settings, run

PROG = "tokensite-create-user"


def read_password(stdin) -> tuple[str, str | None]:
    """``(password, confirmation)``: prompted twice at a terminal, else one line of ``stdin``."""
    if stdin.isatty():
        try:
            return getpass.getpass("Password: "), getpass.getpass("Password (again): ")
        except EOFError:
            raise CommandError("no password given") from None
    line = stdin.readline()
    if not line:
        raise CommandError("no password on standard input: send it as one line, e.g. < password-file")
    return line.rstrip("\r\n"), None


def create_user(config_uri: str, email: str, name: str, stdin) -> int:
    password, confirmation = read_password(stdin)
    engine = get_engine(app_settings(config_uri))
    try:
        manager = transaction.TransactionManager(explicit=True)
        with manager:
            dbsession = get_tm_session(get_session_factory(engine), manager)
            user = register(dbsession, name, email, password, confirmation)
            user_id, user_email = user.id, user.email
    except AccountInputError as error:
        raise CommandError("; ".join(f"{field}: {message}" for field, message in error.errors.items())) from None
    except sqlalchemy.exc.IntegrityError:
        # another process registered the address between our check and our insert
        raise CommandError("email: An account with this email address already exists.") from None
    except sqlalchemy.exc.OperationalError as error:
        raise CommandError(f"database error: {error.orig}") from None
    finally:
        engine.dispose()
    print(f"{PROG}: created user {user_id} <{user_email}>")
    return 0


def main(argv=None, stdin=None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Create an account; the password is read from standard input or a prompt.")
    parser.add_argument("config_uri", help="the .ini file, e.g. production.ini")
    parser.add_argument("--email", required=True, help="the sign-in address (stored lower-cased)")
    parser.add_argument("--name", required=True, help="the person's name as shown on the pages")
    args = parser.parse_args(argv)
    return run(PROG, lambda: create_user(args.config_uri, args.email, args.name, stdin or sys.stdin))


if __name__ == "__main__":
    sys.exit(main())
