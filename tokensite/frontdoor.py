"""The front door: a request's body is judged before any view (or pyramid_retry) reads it.

- A body over ``tokensite.limits.max_body`` bytes is refused with 413 before it is
  read: by its Content-Length, or, for a chunked body (no Content-Length), after
  reading at most one byte more than the limit.
- A declared charset must be UTF-8: WebOb parses forms only in UTF-8, and JSON
  is UTF-8 (RFC 8259 §8.1).  An unknown charset, or any other, is refused instead
  of failing deep inside a view.
- A multipart body needs a boundary that WebOb's parser accepts; a urlencoded form
  must decode as UTF-8 (WebOb would silently put U+FFFD in place of what does not).
- Under the API prefix, a POST, PUT or PATCH with a body that is not JSON is a 415.

Refusals are 400 (pages) or JSON ``{"error": ...}`` under the API prefix and for
scripts; a charset the API cannot read is a 415 there, since the media type (of
which the charset is a parameter) is what is unsupported (RFC 9110 §15.5.16).

pyramid_retry copies every request body before the first tween runs (to replay
it), so a tween would come too late: this is an execution policy wrapped around
the registered one, the first code a request meets.  It refuses before
authentication, from the request's headers and body alone, so nothing else runs for it.
"""
from __future__ import annotations

import codecs
import dataclasses
import email.message
import functools
import html
import io
import re
import urllib.parse

from pyramid.interfaces import IExecutionPolicy
from pyramid.router import default_execution_policy
from webob import Request, Response
from webob.descriptors import CHARSET_RE
from webob.request import detect_charset

from .api.errors import error_response
from .headers import secure
from .pages.views import wants_json

#: methods whose body the API reads as JSON
JSON_METHODS = frozenset({"POST", "PUT", "PATCH"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: what WebOb parses as a urlencoded form (no Content-Type at all included)
FORM_TYPES = frozenset({"", "application/x-www-form-urlencoded"})
READ_SIZE = 64 * 1024
_DIGITS = re.compile(r"^[0-9]+$")
#: what WebOb's multipart parser accepts (printable ASCII, not ending in a space): laxer than
#: RFC 2046 §5.1.1, whose 70 characters clients such as WebTest exceed ("$")
_BOUNDARY = re.compile(r"^[ -~]{0,200}[!-~]$")


@dataclasses.dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


TITLES = {400: "Bad request", 413: "Request too large", 415: "Unsupported media type"}
PAGE = ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title} · tokensite</title>'
        '</head>\n<body><main><h1>{title}</h1><p>{message}</p><p><a href="/">tokensite</a></p></main>'
        '</body></html>\n')


@functools.lru_cache(maxsize=64)
def codec_name(charset: str) -> str | None:
    """Python's name of ``charset`` (``u8`` -> ``utf-8``), or None when there is no such text codec."""
    try:
        "".encode(charset)  # LookupError for bytes-to-bytes codecs (base64, zlib) too
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        return None
    return codecs.lookup(charset).name


def is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def has_valid_boundary(content_type: str) -> bool:
    message = email.message.Message()
    message["Content-Type"] = content_type
    boundary = message.get_param("boundary")
    return isinstance(boundary, str) and bool(_BOUNDARY.match(boundary))


def read_body(environ, most: int) -> bytes:
    """Read at most ``most`` bytes of the body, and put them back as a seekable input for WebOb."""
    stream, body = environ["wsgi.input"], bytearray()
    while len(body) < most:
        chunk = stream.read(min(READ_SIZE, most - len(body)))
        if not chunk:
            break
        body += chunk
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ["webob.is_body_seekable"] = True
    return bytes(body)


def is_utf8_form(body: bytes) -> bool:
    """Whether every name and value of a urlencoded form decodes as UTF-8 (WebOb would put U+FFFD
    in their place); the separators are ASCII, so the whole body decodes exactly when each field does."""
    try:
        urllib.parse.unquote_to_bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class FrontDoor:
    """An execution policy: refuse what no view should see, else hand over to ``inner``."""

    def __init__(self, inner, settings):
        self.inner = inner
        self.max_body = settings.max_body_bytes
        self.api_prefix = settings.api_prefix if settings.api_enabled else None

    def __call__(self, environ, router):
        refusal = self.admit(environ)
        if refusal is None:
            return self.inner(environ, router)
        return secure(self.refuse(environ, refusal), environ)

    def is_api(self, environ) -> bool:
        path = environ.get("PATH_INFO", "")
        prefix = self.api_prefix
        return prefix is not None and (path == prefix or path.startswith(prefix + "/"))

    def too_large(self) -> Refusal:
        return Refusal(413, "payload_too_large", f"The request body is larger than {self.max_body} bytes.")

    def body_length(self, environ) -> int | Refusal:
        """The body's length, reading a chunked body (no Content-Length) into memory up to the limit."""
        declared = environ.get("CONTENT_LENGTH") or ""
        if declared:
            if not _DIGITS.match(declared):
                return Refusal(400, "bad_request", "The Content-Length header is not a number.")
            return int(declared) if int(declared) <= self.max_body else self.too_large()
        if not (environ.get("wsgi.input_terminated") or "HTTP_TRANSFER_ENCODING" in environ):
            return 0
        length = len(read_body(environ, self.max_body + 1))
        return length if length <= self.max_body else self.too_large()

    def admit(self, environ) -> Refusal | None:
        length = self.body_length(environ)
        if isinstance(length, Refusal):
            return length
        method = environ.get("REQUEST_METHOD", "GET")
        content_type = environ.get("CONTENT_TYPE", "")
        if not length and (method in SAFE_METHODS or not content_type):
            return None
        api = self.is_api(environ)
        media_type = content_type.split(";", 1)[0].strip().lower()
        if api and length and method in JSON_METHODS and not is_json(media_type):
            return Refusal(415, "unsupported_media_type",
                           "Send the request body as JSON, with Content-Type: application/json.")
        charset = detect_charset(content_type)
        if charset:
            name = codec_name(charset)
            if name != "utf-8":
                problem = f"The charset {charset!r} is unknown" if name is None else \
                    f"The body is in {charset!r}"
                return Refusal(415 if api else 400, "unsupported_media_type" if api else "bad_request",
                               f"{problem}: send it as UTF-8.")
            if charset.lower().replace("-", "") != "utf8":
                # UTF-8 under another name (u8, utf_8): spell it the way WebOb knows it
                environ["CONTENT_TYPE"] = CHARSET_RE.sub("; charset=UTF-8", content_type, count=1)
        if media_type.startswith("multipart/") and not has_valid_boundary(content_type):
            return Refusal(400, "bad_request", "A multipart body needs a valid boundary parameter.")
        if media_type in FORM_TYPES and length:
            body = read_body(environ, length)
            if len(body) < length:
                return Refusal(400, "bad_request", "The request body ended before its Content-Length.")
            if not is_utf8_form(body):
                return Refusal(400, "bad_request", "The form is not valid UTF-8 text.")
        return None

    def refuse(self, environ, refusal: Refusal) -> Response:
        if self.is_api(environ) or wants_json(Request(environ)):
            return error_response(refusal.status, refusal.code, refusal.message)
        title = TITLES[refusal.status]
        page = PAGE.format(title=title, message=html.escape(refusal.message))
        return Response(text=page, status=refusal.status, content_type="text/html", charset="utf-8")


def includeme(config):
    registry = config.registry

    def wrap_execution_policy():
        inner = registry.queryUtility(IExecutionPolicy, default=default_execution_policy)
        registry.registerUtility(FrontDoor(inner, registry.tokensite), IExecutionPolicy)

    # order=1: after every ordinary action, pyramid_retry's set_execution_policy among them
    config.action("tokensite.frontdoor", wrap_execution_policy, order=1)
