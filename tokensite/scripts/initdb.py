"""``tokensite-initdb <ini>``: bring the database of the .ini to the newest schema."""
from __future__ import annotations

import argparse
import sys

import sqlalchemy.exc
from alembic import command, util
from alembic.config import Config

from . import CommandError, app_settings, run


def alembic_config(ini_path: str) -> Config:
    config = Config(ini_path)
    config.attributes["configure_logging"] = False
    # an operator's .ini may have no [alembic] section at all: the migrations ship with the package
    if not config.file_config.has_option(config.config_ini_section, "script_location"):
        config.set_main_option("script_location", "tokensite:alembic")
    return config


def upgrade_url(url: str) -> None:
    """Alembic upgrade head on the database at ``url`` (for tests and benchmarks without an .ini)."""
    config = Config()
    config.set_main_option("script_location", "tokensite:alembic")
    config.attributes["configure_logging"] = False
    config.attributes["sqlalchemy.url"] = url
    command.upgrade(config, "head")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="tokensite-initdb", description=__doc__.split(": ", 1)[1])
    parser.add_argument("config_uri", help="the .ini file, e.g. development.ini")
    args = parser.parse_args(argv)
    return run("tokensite-initdb", lambda: upgrade(args.config_uri))


def upgrade(config_uri: str) -> int:
    app_settings(config_uri)  # a readable .ini with [app:main], or a CommandError that says so
    try:
        command.upgrade(alembic_config(config_uri), "head")
    except sqlalchemy.exc.OperationalError as error:
        raise CommandError(f"database error: {error.orig}") from None
    except util.CommandError as error:
        raise CommandError(str(error)) from None
    print("tokensite-initdb: the database schema is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
