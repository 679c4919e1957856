"""Where to go after signing in: the ``next`` a page asked for, if it stays inside the app."""
from __future__ import annotations

import re
from urllib.parse import quote

#: what WebOb leaves unquoted in ``request.path``, so the mount compares as it appears in ``path_qs``
_PATH_SAFE = "/~!$&'()*+,;=:@"
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")
#: ``.`` and ``..`` as browsers read them, percent-encoded or not
_DOT_SEGMENT = re.compile(r"(?:\.|%2e){1,2}", re.IGNORECASE)


def safe_next(value, script_name: str) -> str | None:
    """A path inside the app to go to after sign-in; anything else (other hosts, ``//x``,
    paths outside the mount) is dropped.

    ``script_name`` is the request's: behind a proxy at ``/tokens`` only ``/tokens/...`` is
    the app's.  No dot segments, since ``/tokens/../x`` leaves it.  Only visible ASCII:
    browsers drop tabs and newlines from a URL (so ``/<tab>/x`` is ``//x``, another host),
    and control characters cannot go into a header at all.
    """
    if not isinstance(value, str) or not _VISIBLE_ASCII.fullmatch(value) or "\\" in value:
        return None
    root = quote(script_name, safe=_PATH_SAFE) + "/"
    if not value.startswith(root) or value[len(root):].startswith("/"):
        return None
    path = value.partition("#")[0].partition("?")[0]
    if any(_DOT_SEGMENT.fullmatch(segment) for segment in path.split("/")):
        return None
    return value
