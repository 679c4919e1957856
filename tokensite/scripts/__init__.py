"""Console commands.  Each takes the .ini path first and reads it as the app does:
``[app:main]`` with the TOKENSITE_* environment applied, logging as the ini says.
"""
from __future__ import annotations

import sys

from plaster.exceptions import PlasterError
from pyramid.exceptions import ConfigurationError
from pyramid.paster import get_appsettings, setup_logging

from ..settings import apply_environment


class CommandError(Exception):
    """A problem the person at the terminal can fix; printed without a traceback."""


def app_settings(config_uri: str) -> dict:
    """The app's settings, or CommandError when the .ini cannot be read."""
    try:
        setup_logging(config_uri)
        return apply_environment(get_appsettings(config_uri, name="main"))
    except (OSError, PlasterError, LookupError, ValueError) as error:
        raise CommandError(f"cannot read {config_uri}: {error}") from None


def run(prog: str, command) -> int:
    """Call ``command()`` and turn the errors a person can act on into a message and exit status 1."""
    try:
        return command()
    except (CommandError, ConfigurationError) as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
