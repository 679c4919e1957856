"""``python -m benchmarks.serve URL PORT``: the app on waitress at 127.0.0.1:PORT, for the loopback rows."""
from __future__ import annotations

import logging
import sys

import waitress

from . import site

THREADS = 4


def main(argv=None) -> None:
    url, port = argv or sys.argv[1:]
    # more connections than threads is the point of a load test, not news
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    waitress.serve(site.make_app(url), host="127.0.0.1", port=int(port), threads=THREADS, _quiet=True)


if __name__ == "__main__":
    main()
