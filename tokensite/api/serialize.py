"""The JSON shape of a post (users and tokens are in ``web.serialize``, which the pages share)."""
from __future__ import annotations

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
