"""``python -m benchmarks.serve URL PORT``: the app on waitress at 127.0.0.1:PORT, for the loopback rows."""
from __future__ import annotations

import sys

import waitress

from . import site

THREADS = 4


def main(argv=None) -> None:
    url, port = argv or sys.argv[1:]
    waitress.serve(site.make_app(url), host="127.0.0.1", port=int(port), threads=THREADS, _quiet=True)


if __name__ == "__main__":
    main()
