"""The JSON shape of a post (users and tokens are in ``web.serialize``, which the pages share)."""
from __future__ import annotations

import base64
import hashlib
import json

from ..web.serialize import rfc3339


def post_json(post) -> dict:
    return {
        "id": post.id,
        "owner_id": post.owner_id,
        "title": post.title,
        "body": post.body,
        "created_at": rfc3339(post.created_at),
        "updated_at": rfc3339(post.updated_at),
    }


def representation_etag(data: dict) -> str:
    """A strong entity tag of a JSON representation (RFC 9110 §8.8.3), quoted: a hash of what
    the client receives, so it changes with every change a client could see, even two
    updates within one tick of ``updated_at``, and never otherwise."""
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).digest()
    return '"' + base64.urlsafe_b64encode(digest[:18]).decode() + '"'
