"""``tokensite-notify-expiring <ini>``: mail owners whose tokens expire within 7 days, and again
within 1 day (README, "Console commands").  Meant for a daily timer; running it twice sends
nothing new.  It loads the app as the server does, so the mail settings are the site's."""
from __future__ import annotations

import argparse
import sys

import sqlalchemy.exc
from pyramid.paster import bootstrap

from ..mail.expiry import notify_expiring
from ..models import dispose_engines, utcnow
from . import CommandError, app_settings, run

PROG = "tokensite-notify-expiring"


def notify(config_uri: str, stdout) -> int:
    app_settings(config_uri)  # logging as the ini says, and a readable message for an unreadable ini
    env = bootstrap(config_uri)
    registry = env["registry"]
    try:
        site = registry.tokensite
        if not site.api_enabled:
            stdout.write(f"{PROG}: the API feature is off (tokensite.features.api), so no token works: "
                         "nothing to notify\n")
            return 0
        if not site.mail_site_url:
            raise CommandError("tokensite.mail.site_url is empty: set it to the site's public address "
                               "(e.g. https://tokens.example.com) so that the notices can link to the token page")
        try:
            report = notify_expiring(registry, env["request"], utcnow())
        except sqlalchemy.exc.OperationalError as error:
            raise CommandError(f"database error: {error.orig}") from None
    finally:
        env["closer"]()
        dispose_engines(registry)
    messages = "message" if report.messages == 1 else "messages"
    tokens = "token" if report.tokens == 1 else "tokens"
    stdout.write(f"{PROG}: sent {report.messages} {messages} about {report.tokens} expiring {tokens}\n")
    return 0


def main(argv=None, stdout=None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description="Mail owners whose API tokens expire within "
                                                            "7 days, and again within 1 day.")
    parser.add_argument("config_uri", help="the .ini file, e.g. production.ini")
    args = parser.parse_args(argv)
    return run(PROG, lambda: notify(args.config_uri, stdout or sys.stdout))


if __name__ == "__main__":
    sys.exit(main())
