"""``tokensite-initdb <ini>``: bring the database of the .ini to the newest schema."""
from __future__ import annotations

import argparse
import sys

import sqlalchemy.exc
from alembic import command
from alembic.config import Config


def alembic_config(ini_path: str) -> Config:
    config = Config(ini_path)
    config.attributes["configure_logging"] = False
    # an operator's .ini may have no [alembic] section at all: the migrations ship with the package
    if not config.file_config.has_option(config.config_ini_section, "script_location"):
        config.set_main_option("script_location", "tokensite:alembic")
    return config


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="tokensite-initdb", description=__doc__.split(": ", 1)[1])
    parser.add_argument("config_uri", help="the .ini file, e.g. development.ini")
    args = parser.parse_args(argv)
    try:
        command.upgrade(alembic_config(args.config_uri), "head")
    except sqlalchemy.exc.OperationalError as error:
        print(f"tokensite-initdb: cannot reach the database: {error.orig}", file=sys.stderr)
        return 1
    print("tokensite-initdb: the database schema is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
