"""Request bodies, judged before any view (or pyramid_retry) reads them.

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
import functools
import html
import io
import re
import urllib.parse

from pyramid.interfaces import IExecutionPolicy
from pyramid.request import Request
from pyramid.response import Response
from pyramid.router import default_execution_policy
from webob.compat import parse_header
from webob.descriptors import CHARSET_RE
from webob.request import detect_charset

from .headers import secure
from .web import is_api_request
from .web.errors import ErrorCode, wants_json
from .web.responses import error_response

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
    code: ErrorCode
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
    """Read with the very parser of WebOb's multipart reader, so that both see the same boundary
    (with two ``boundary`` parameters, the last)."""
    _, params = parse_header(content_type)
    return bool(_BOUNDARY.match(params.get("boundary", "")))


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


class BodyGuard:
    """An execution policy: refuse a body no view should see, else hand over to ``inner``."""

    def __init__(self, inner, registry):
        self.inner = inner
        self.registry = registry
        self.max_body = registry.tokensite.max_body_bytes

    def __call__(self, environ, router):
        refusal = self.admit(environ)
        if refusal is None:
            return self.inner(environ, router)
        response = secure(self.refuse(self.request(environ), refusal), environ)
        cross_origin = getattr(self.registry, "cross_origin", None)  # set by the API when CORS is on
        if cross_origin is not None and cross_origin.is_api_path(environ.get("PATH_INFO", "")):
            response.headerlist.extend(cross_origin.headers(environ))
        return response

    def request(self, environ) -> Request:
        """A bare request to ask ``is_api_request`` and ``wants_json`` (never the one views get)."""
        request = Request(environ)
        request.registry = self.registry
        return request

    def too_large(self) -> Refusal:
        return Refusal(413, ErrorCode.PAYLOAD_TOO_LARGE,
                       f"The request body is larger than {self.max_body} bytes.")

    def body_length(self, environ) -> int | Refusal:
        """The body's length, reading a chunked body (no Content-Length) into memory up to the limit."""
        declared = environ.get("CONTENT_LENGTH") or ""
        if declared:
            if not _DIGITS.match(declared):
                return Refusal(400, ErrorCode.BAD_REQUEST, "The Content-Length header is not a number.")
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
        api = is_api_request(self.request(environ))
        media_type = content_type.split(";", 1)[0].strip().lower()
        if api and length and method in JSON_METHODS and not is_json(media_type):
            return Refusal(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                           "Send the request body as JSON, with Content-Type: application/json.")
        charset = detect_charset(content_type)
        if charset:
            name = codec_name(charset)
            if name != "utf-8":
                problem = f"The charset {charset!r} is unknown" if name is None else \
                    f"The body is in {charset!r}"
                return Refusal(415 if api else 400,
                               ErrorCode.UNSUPPORTED_MEDIA_TYPE if api else ErrorCode.BAD_REQUEST,
                               f"{problem}: send it as UTF-8.")
            if charset.lower().replace("-", "") != "utf8":
                # UTF-8 under another name (u8, utf_8): spell it the way WebOb knows it
                environ["CONTENT_TYPE"] = CHARSET_RE.sub("; charset=UTF-8", content_type, count=1)
        if media_type.startswith("multipart/") and not has_valid_boundary(content_type):
            return Refusal(400, ErrorCode.BAD_REQUEST, "A multipart body needs a valid boundary parameter.")
        if media_type in FORM_TYPES and length:
            body = read_body(environ, length)
            if len(body) < length:
                return Refusal(400, ErrorCode.BAD_REQUEST,
                               "The request body ended before its Content-Length.")
            if not is_utf8_form(body):
                return Refusal(400, ErrorCode.BAD_REQUEST, "The form is not valid UTF-8 text.")
        return None

    def refuse(self, request, refusal: Refusal) -> Response:
        if wants_json(request):
            return error_response(refusal.status, refusal.code, refusal.message)
        title = TITLES[refusal.status]
        page = PAGE.format(title=title, message=html.escape(refusal.message))
        return Response(text=page, status=refusal.status, content_type="text/html", charset="utf-8")


def includeme(config):
    registry = config.registry

    def wrap_execution_policy():
        inner = registry.queryUtility(IExecutionPolicy, default=default_execution_policy)
        registry.registerUtility(BodyGuard(inner, registry), IExecutionPolicy)

    # order=1: after every ordinary action, pyramid_retry's set_execution_policy among them
    config.action("tokensite.bodies", wrap_execution_policy, order=1)
